package dev.converge.chaos;

/**
 * One client operation as the history records it: who, on which node, what, when it was invoked
 * and completed (run-clock microseconds), and how it ended.
 *
 * @param client the client thread (1-based)
 * @param node the node it was sent to (0-based)
 * @param kind the command
 * @param key the document key
 * @param value the element added or the value written (unique in the run); null for reads and increments
 * @param amount the increment
 * @param invoke when the client started it
 * @param complete when the client saw its end (the reply, the error or the timeout)
 * @param outcome how it ended
 * @param result what a read returned (a set read: its size), what an increment replied, or null
 * @param error the error text, or null
 * @param connectedAt when the connection it went over was opened (liveness counts only connections opened while the node was up)
 * @param generation the node's start count when that connection was opened (durability counts the data directory's starts)
 * @param round the round it ran in (1-based)
 */
record Op(int client, int node, Kind kind, String key, String value, long amount, long invoke, long complete, Outcome outcome,
          String result, String error, long connectedAt, int generation, int round) {

    /** The commands the clients send. */
    enum Kind {
        SADD("sadd", true), INCRBY("incrby", true), SET("set", true),
        /**
         * One key's part of an {@code MSET} of the client's registers (both, as the workload gives
         * each client two): one operation per key, one outcome for all, so the run's counts weigh
         * an {@code MSET} once per key.
         */
        MSET("mset", true),
        SMEMBERS("smembers", false), GET_COUNTER("get-counter", false), GET_REGISTER("get-register", false);

        final String label;
        final boolean write;

        Kind(String label, boolean write) {
            this.label = label;
            this.write = write;
        }

        /** Writes a register: {@code SET}, or its key's part of an {@code MSET}. */
        boolean writesRegister() {
            return this == SET || this == MSET;
        }
    }

    /**
     * How an operation ended. {@code FAIL}: it never reached a node (the connection could not be
     * opened), so it certainly took no effect. {@code ERROR}: the node answered with an error, or
     * the connection broke after the request was sent. {@code TIMEOUT}: no answer within the client
     * timeout. An error or a timeout may or may not have taken effect (Jepsen's {@code :info}).
     */
    enum Outcome {
        OK("ok"), FAIL("fail"), ERROR("error"), TIMEOUT("timeout");

        final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** May have taken effect: acknowledged or indeterminate. */
        boolean maybeApplied() {
            return this != FAIL;
        }

        boolean indeterminate() {
            return this == ERROR || this == TIMEOUT;
        }
    }

    long latency() {
        return complete - invoke;
    }
}
