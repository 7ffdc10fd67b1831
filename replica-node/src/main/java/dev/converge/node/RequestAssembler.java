package dev.converge.node;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringRedisContent;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.LastBulkStringRedisContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Turns what Netty's {@code RedisDecoder} emits (array headers, bulk headers and content chunks,
 * inline lines) into {@link RedisRequest}s, enforcing {@link RedisLimits} before memory is spent:
 * an argument count or bulk length over the limit is refused from its header, content is copied
 * out of Netty's buffers as it arrives (never more than was declared), and every byte held counts
 * against the node-wide client budget. A violation is passed on as a {@link ProtocolError}; from
 * then on everything this connection sends is dropped.
 *
 * <p>Netty's own aggregators are not used: {@code RedisArrayAggregator} pre-sizes a list from the
 * array header and {@code RedisBulkStringAggregator} has no notion of a per-command or per-node
 * budget.
 */
final class RequestAssembler extends ChannelInboundHandlerAdapter {

    /** What the connection handler receives when the client broke the protocol or a limit. */
    record ProtocolError(String message) {
    }

    /** Arguments up to this size get their array at the bulk header; larger ones grow as data arrives. */
    private static final int PREALLOCATE_BYTES = 64 << 10;
    /**
     * A request that holds client buffer bytes and gets no more of them for this long is cut off:
     * a few clients stalling mid-request could otherwise hold the node's whole shared budget and
     * lock every other client out. An idle connection between requests holds nothing and may wait.
     */
    static final long STALLED_REQUEST_MILLIS = 30_000;
    /** Stall periods tolerated while reading is held back (the client not reading its replies, say). */
    static final int PAUSED_STALLS = 10;

    private final RedisLimits limits;
    private final AtomicLong nodeBudget;
    private final BooleanSupplier authenticated;

    private List<byte[]> args;
    private long expectedArgs;
    private long requestBytes;
    /** Bytes of the request being assembled, reserved from the node budget. */
    private long reserved;
    private byte[] bulk;
    private int bulkLength;
    private int bulkFilled;
    private boolean failed;
    /** Messages taken in; a stall check compares it with what it saw when scheduled. */
    private long progress;
    private ScheduledFuture<?> stallCheck;
    private int pausedStalls;

    RequestAssembler(RedisLimits limits, AtomicLong nodeBudget, BooleanSupplier authenticated) {
        this.limits = limits;
        this.nodeBudget = nodeBudget;
        this.authenticated = authenticated;
    }

    /**
     * What an argument holds of the heap beyond its content (an array header and the reference to
     * it), counted against the budgets with its content: a request of many empty or one-byte
     * arguments would otherwise hold far more memory than it is charged for.
     */
    static final int ARGUMENT_OVERHEAD_BYTES = 24;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!failed) {
                progress++;
                accept(ctx, msg);
                if (reserved > 0 && stallCheck == null) {
                    watchForStall(ctx, progress);
                }
            }
        } catch (ProtocolException e) {
            fail(ctx, e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void watchForStall(ChannelHandlerContext ctx, long seen) {
        stallCheck = ctx.executor().schedule(() -> {
            stallCheck = null;
            if (failed || reserved == 0) {
                return;
            }
            if (progress != seen) {
                pausedStalls = 0;
                watchForStall(ctx, progress);
                return;
            }
            // While reading is held back the client cannot send more, but it may be the one holding
            // it back (it does not read its replies): that gets longer, not forever.
            boolean reading = ctx.channel().config().isAutoRead();
            long periods = pausedStalls + 1L;
            if (!reading) {
                pausedStalls++;
            }
            if (reading || pausedStalls >= PAUSED_STALLS) {
                fail(ctx, "request stalled: no more of it for " + STALLED_REQUEST_MILLIS / 1000 * periods + " s while it held "
                        + reserved + " bytes of the node's client buffers");
            } else {
                watchForStall(ctx, progress);
            }
        }, STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void accept(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ArrayHeaderRedisMessage h) {
            if (args != null) {
                throw new ProtocolException("expected '$', got '*' (nested arrays are not commands)");
            }
            long n = h.length();
            if (n <= 0) {
                return; // "*0" and "*-1" are ignored, as Redis does
            }
            int max = maxArguments();
            if (n > max) {
                throw new ProtocolException("invalid multibulk length " + n + " (limit " + max + " arguments"
                        + (max < limits.maxArguments() ? " before AUTH" : "") + ")");
            }
            reserve(n * ARGUMENT_OVERHEAD_BYTES); // all the arguments' overhead at once: one update of the shared budget
            expectedArgs = n;
            args = new ArrayList<>((int) Math.min(n, 16));
            requestBytes = 0;
        } else if (msg instanceof BulkStringHeaderRedisMessage h) {
            startBulk(h.bulkStringLength());
        } else if (msg instanceof FullBulkStringRedisMessage f) {
            // The decoder's shared instances for "$0" and "$-1" (a FullBulkString is also a content: test it first).
            if (f.isNull()) {
                throw new ProtocolException("invalid bulk length -1");
            }
            if (args == null) {
                throw new ProtocolException("expected '*', got '$'");
            }
            endBulk(ctx, new byte[0]);
        } else if (msg instanceof BulkStringRedisContent c) {
            append(c.content());
            if (c instanceof LastBulkStringRedisContent) {
                if (bulkFilled != bulkLength) {
                    throw new ProtocolException("bulk string shorter than its length");
                }
                endBulk(ctx, bulk);
            }
        } else if (msg instanceof InlineCommandRedisMessage inline) {
            if (args != null) {
                throw new ProtocolException("expected '$', got an inline command");
            }
            inline(ctx, inline.content());
        } else {
            String type = msg.getClass().getSimpleName().replace("RedisMessage", "").toLowerCase(java.util.Locale.ROOT);
            throw new ProtocolException(args != null ? "expected '$', got " + type : "expected '*' or an inline command, got " + type);
        }
    }

    private int maxArguments() {
        return authenticated.getAsBoolean() ? limits.maxArguments() : limits.unauthenticatedMaxArguments();
    }

    private int maxBulkBytes() {
        return authenticated.getAsBoolean() ? limits.maxBulkBytes() : limits.unauthenticatedMaxBulkBytes();
    }

    private void startBulk(int length) {
        if (args == null) {
            throw new ProtocolException("expected '*', got '$'");
        }
        int max = maxBulkBytes();
        if (length > max) {
            throw new ProtocolException("invalid bulk length " + length + " (limit " + max + " bytes"
                    + (max < limits.maxBulkBytes() ? " before AUTH" : "") + ")");
        }
        if (requestBytes + length > limits.maxRequestBytes()) {
            throw new ProtocolException("request larger than " + limits.maxRequestBytes() + " bytes");
        }
        requestBytes += length;
        bulkLength = length;
        bulkFilled = 0;
        bulk = new byte[Math.min(length, PREALLOCATE_BYTES)];
    }

    private void append(ByteBuf content) {
        int n = content.readableBytes();
        if (bulk == null || bulkFilled + n > bulkLength) {
            throw new ProtocolException("bulk content outside a bulk string");
        }
        reserve(n);
        if (bulkFilled + n > bulk.length) {
            int capacity = (int) Math.min(bulkLength, Math.max((long) bulkFilled + n, 2L * bulk.length));
            bulk = java.util.Arrays.copyOf(bulk, capacity);
        }
        content.readBytes(bulk, bulkFilled, n);
        bulkFilled += n;
    }

    private void reserve(long n) {
        if (nodeBudget.addAndGet(n) > limits.maxClientBufferBytes()) {
            nodeBudget.addAndGet(-n);
            throw new ProtocolException("client buffers of the node are full (" + limits.maxClientBufferBytes() + " bytes)");
        }
        reserved += n;
    }

    private void endBulk(ChannelHandlerContext ctx, byte[] value) {
        args.add(value);
        bulk = null;
        bulkLength = 0;
        bulkFilled = 0;
        if (args.size() == expectedArgs) {
            RedisRequest request = new RedisRequest(args.toArray(new byte[0][]), reserved);
            args = null;
            reserved = 0;
            ctx.fireChannelRead(request);
        }
    }

    private void inline(ChannelHandlerContext ctx, String line) {
        List<byte[]> parts = InlineSplitter.split(line, maxArguments());
        if (parts.isEmpty()) {
            return;
        }
        int max = maxBulkBytes();
        long bytes = 0;
        for (byte[] p : parts) {
            // The line is at most maxInlineBytes, but that is more than an argument may be before AUTH.
            if (p.length > max) {
                throw new ProtocolException("inline argument of " + p.length + " bytes (limit " + max + " bytes"
                        + (max < limits.maxBulkBytes() ? " before AUTH" : "") + ")");
            }
            bytes += p.length + ARGUMENT_OVERHEAD_BYTES;
        }
        reserve(bytes);
        RedisRequest request = new RedisRequest(parts.toArray(new byte[0][]), reserved);
        reserved = 0;
        ctx.fireChannelRead(request);
    }

    private void fail(ChannelHandlerContext ctx, String message) {
        failed = true;
        releasePartial();
        ctx.channel().config().setAutoRead(false);
        ctx.fireChannelRead(new ProtocolError(message));
    }

    private void releasePartial() {
        if (reserved > 0) {
            nodeBudget.addAndGet(-reserved);
            reserved = 0;
        }
        args = null;
        bulk = null;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        releasePartial();
    }

    /**
     * Splits an inline command line as Redis does: spaces, "double" quotes (with the escapes {@code \n
     * \r \t \b \a}, {@code \xHH} for any byte, and a backslash before any other character for
     * that character) and 'single' quotes. The line arrives as text, so a byte that is not UTF-8 is
     * written {@code \xHH} within double quotes, as redis-cli quotes it.
     */
    static final class InlineSplitter {
        private InlineSplitter() {
        }

        static List<byte[]> split(String line, int maxArguments) {
            List<byte[]> out = new ArrayList<>();
            int i = 0;
            int n = line.length();
            while (true) {
                while (i < n && Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (out.size() >= maxArguments) {
                    throw new ProtocolException("too many arguments in an inline command (limit " + maxArguments + ")");
                }
                Argument arg = new Argument();
                char quote = 0;
                boolean done = false;
                while (!done) {
                    if (i >= n) {
                        if (quote != 0) {
                            throw new ProtocolException("unbalanced quotes in request");
                        }
                        break;
                    }
                    char c = line.charAt(i);
                    if (quote == '"') {
                        if (c == '\\' && i + 3 < n && line.charAt(i + 1) == 'x' && hex(line.charAt(i + 2)) >= 0 && hex(line.charAt(i + 3)) >= 0) {
                            arg.appendByte(hex(line.charAt(i + 2)) << 4 | hex(line.charAt(i + 3)));
                            i += 3;
                        } else if (c == '\\' && i + 1 < n) {
                            char e = line.charAt(++i);
                            arg.append(switch (e) {
                                case 'n' -> '\n';
                                case 'r' -> '\r';
                                case 't' -> '\t';
                                case 'b' -> '\b';
                                case 'a' -> '\u0007';
                                default -> e;
                            });
                        } else if (c == '"') {
                            if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
                                throw new ProtocolException("unbalanced quotes in request");
                            }
                            done = true;
                        } else {
                            arg.append(c);
                        }
                    } else if (quote == '\'') {
                        if (c == '\\' && i + 1 < n && line.charAt(i + 1) == '\'') {
                            arg.append('\'');
                            i++;
                        } else if (c == '\'') {
                            if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
                                throw new ProtocolException("unbalanced quotes in request");
                            }
                            done = true;
                        } else {
                            arg.append(c);
                        }
                    } else if (Character.isWhitespace(c)) {
                        done = true;
                    } else if ((c == '"' || c == '\'') && arg.isEmpty()) {
                        quote = c;
                    } else {
                        arg.append(c);
                    }
                    i++;
                }
                out.add(arg.bytes());
            }
        }

        /** The value of an ASCII hex digit, or -1 (Character.digit would also take other scripts' digits). */
        private static int hex(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }

        /** An argument's bytes: text as UTF-8, with single bytes from {@code \xHH} escapes between. */
        private static final class Argument {
            private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            private final StringBuilder text = new StringBuilder();

            Argument append(char c) {
                text.append(c);
                return this;
            }

            void appendByte(int b) {
                flush();
                bytes.write(b);
            }

            boolean isEmpty() {
                return text.length() == 0 && bytes.size() == 0;
            }

            byte[] bytes() {
                flush();
                return bytes.toByteArray();
            }

            private void flush() {
                bytes.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
                text.setLength(0);
            }
        }
    }
}
