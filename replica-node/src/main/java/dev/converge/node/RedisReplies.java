package dev.converge.node;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.WrongTypeException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Reply values and the mapping of failures to Redis errors. */
final class RedisReplies {

    static final RedisMessage OK = new SimpleStringRedisMessage("OK");
    static final RedisMessage PONG = new SimpleStringRedisMessage("PONG");
    static final RedisMessage NIL = FullBulkStringRedisMessage.NULL_INSTANCE;
    static final RedisMessage EMPTY_ARRAY = ArrayRedisMessage.EMPTY_INSTANCE;
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String OVERFLOW = "ERR increment or decrement would overflow";
    static final String SYNTAX = "ERR syntax error";
    static final String NOAUTH = "NOAUTH Authentication required.";
    /** Longest error text sent: an error echoes client input, which must not make replies unbounded. */
    private static final int MAX_ERROR_CHARS = 512;

    private static final IntegerRedisMessage[] SMALL = new IntegerRedisMessage[257];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = new IntegerRedisMessage(i);
        }
    }

    private RedisReplies() {
    }

    static RedisMessage integer(long n) {
        return n >= 0 && n < SMALL.length ? SMALL[(int) n] : new IntegerRedisMessage(n);
    }

    static RedisMessage bulk(byte[] b) {
        return b.length == 0 ? FullBulkStringRedisMessage.EMPTY_INSTANCE : new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(b));
    }

    static RedisMessage bulk(Bytes b) {
        return bulk(b.toByteArray());
    }

    static RedisMessage bulk(String s) {
        return bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    static RedisMessage array(List<RedisMessage> items) {
        return items.isEmpty() ? EMPTY_ARRAY : new ArrayRedisMessage(items);
    }

    static RedisMessage simple(String s) {
        return new SimpleStringRedisMessage(clean(s));
    }

    /** An error reply; {@code text} starts with its code ({@code ERR}, {@code WRONGTYPE}, ...). */
    static RedisMessage error(String text) {
        return new ErrorRedisMessage(clean(text));
    }

    static RedisMessage arity(String command) {
        return error("ERR wrong number of arguments for '" + command + "' command");
    }

    /** One line, bounded: a reply must never contain CR or LF. */
    static String clean(String s) {
        String one = s.replace('\r', ' ').replace('\n', ' ');
        return one.length() > MAX_ERROR_CHARS ? one.substring(0, MAX_ERROR_CHARS) + "..." : one;
    }

    /** Client input quoted for an error message: printable ASCII, bounded. */
    static String quote(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b.length && s.length() < 64; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\'') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.length() >= 64 ? s + "..." : s.toString();
    }

    /** The bytes of a reply's strings, nested arrays included: about what it takes once encoded. */
    static long contentBytes(RedisMessage reply) {
        if (reply instanceof FullBulkStringRedisMessage b) {
            return b.isNull() ? 0 : b.content().readableBytes();
        }
        if (reply instanceof ArrayRedisMessage a) {
            long n = 0;
            for (RedisMessage child : a.children()) {
                n += contentBytes(child);
            }
            return n;
        }
        return 0;
    }

    /**
     * The Redis error for a failed command: a key of another type is {@code -WRONGTYPE}; a map
     * field of another kind (a counter written by HINCRBY, a register by HSET) depends on the
     * command; overflow and invalid writes are {@code -ERR}.
     */
    static RedisMessage failure(String command, Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof WrongTypeException w) {
            // crdt-core names a map field "field '<name>'" and a document "key '<name>'".
            if (!w.getMessage().startsWith("field ")) {
                return error(WRONGTYPE);
            }
            if (command.equals("hincrby")) {
                return error("ERR hash value is not an integer");
            }
            return error("WRONGTYPE hash field holds a " + kind(w.existing()) + "; HDEL the field before writing it as a "
                    + kind(w.attempted()));
        }
        if (e instanceof ArithmeticException) {
            return error(OVERFLOW);
        }
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return error("ERR " + e.getMessage());
        }
        return error("ERR internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    private static String kind(CrdtType t) {
        return switch (t) {
            case PN_COUNTER, G_COUNTER -> "counter (HINCRBY)";
            case LWW_REGISTER -> "string (HSET)";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
