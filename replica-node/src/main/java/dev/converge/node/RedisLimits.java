package dev.converge.node;

/**
 * What one Redis client may make the node hold, each limit checked before the memory is spent:
 * a request's argument count and bulk lengths are refused from their headers.
 *
 * @param maxArguments arguments of one command (the array header); more is a protocol error
 * @param maxBulkBytes bytes of one argument (the bulk header); more is a protocol error
 * @param maxRequestBytes bytes of all arguments of one command together
 * @param maxInlineBytes length of an inline (telnet-style) command line
 * @param unauthenticatedMaxArguments {@code maxArguments} before AUTH, when a password is set
 * @param unauthenticatedMaxBulkBytes {@code maxBulkBytes} before AUTH, when a password is set
 * @param maxPendingCommands commands read but not yet answered, per connection; at the bound the
 *     node stops reading from that client until replies drain (TCP pushes back on it)
 * @param maxPendingBytes argument bytes of those commands, per connection, same rule
 * @param maxClientBufferBytes argument bytes held for all clients together; a client whose
 *     request would exceed it gets an error and is disconnected
 * @param maxClients open client connections; more are answered with an error and closed
 */
record RedisLimits(int maxArguments, int maxBulkBytes, int maxRequestBytes, int maxInlineBytes, int unauthenticatedMaxArguments,
                   int unauthenticatedMaxBulkBytes, int maxPendingCommands, long maxPendingBytes, long maxClientBufferBytes,
                   int maxClients) {

    RedisLimits {
        if (maxArguments < 3 || maxBulkBytes < 1 || maxRequestBytes < maxBulkBytes || maxInlineBytes < 64
                || unauthenticatedMaxArguments < 5 || unauthenticatedMaxBulkBytes < 64 || maxPendingCommands < 1
                || maxPendingBytes < maxRequestBytes || maxClientBufferBytes < maxRequestBytes || maxClients < 1) {
            // Not "+ this": in a compact constructor the fields are not set yet and would print as zeros.
            throw new IllegalArgumentException("inconsistent Redis limits: arguments " + maxArguments + ", bulk " + maxBulkBytes
                    + ", request " + maxRequestBytes + ", inline " + maxInlineBytes + ", before AUTH " + unauthenticatedMaxArguments + " / "
                    + unauthenticatedMaxBulkBytes + ", pending " + maxPendingCommands + " / " + maxPendingBytes + ", all clients "
                    + maxClientBufferBytes + ", clients " + maxClients);
        }
    }

    /**
     * 65,536 arguments, 2 MiB per argument (a value must fit the engine's 1 MiB delta anyway),
     * 4 MiB per command, 64 KiB inline; before AUTH 10 arguments of 16 KiB (as Redis); 1,024
     * pending commands or 8 MiB per client; 512 MiB for all clients; 1,024 clients.
     */
    static RedisLimits defaults() {
        return new RedisLimits(65_536, 2 << 20, 4 << 20, 64 << 10, 10, 16 << 10, 1_024, 8L << 20, 512L << 20, 1_024);
    }

    RedisLimits withMaxClients(int clients) {
        return new RedisLimits(maxArguments, maxBulkBytes, maxRequestBytes, maxInlineBytes, unauthenticatedMaxArguments,
                unauthenticatedMaxBulkBytes, maxPendingCommands, maxPendingBytes, maxClientBufferBytes, clients);
    }
}
