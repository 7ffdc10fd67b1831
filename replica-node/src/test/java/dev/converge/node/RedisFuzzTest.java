package dev.converge.node;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.converge.crdt.testkit.Fuzz;
import dev.converge.crdt.testkit.Mutator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Fuzzes what a Redis client reaches before a command runs: the protocol half of the server's
 * pipeline ({@link RedisServer#addDecoders}: Netty's RESP decoder with inline commands, then
 * {@link RequestAssembler}) on an {@link EmbeddedChannel}, authenticated and not, fed in random
 * pieces. Inputs are mostly mutations of valid pipelines of RESP and inline commands, with array
 * and bulk lengths made huge, negative, off by one or not numbers, line ends damaged, type bytes
 * swapped, commands spliced; some are random bytes.
 *
 * <p>The oracle, for every input: what leaves the protocol half is requests, a protocol error
 * (after which the assembler passes nothing more), or a {@link DecoderException} (which the
 * connection answers as a protocol error); any other exception is a failure. Every request keeps
 * the documented limits for the connection's state (arguments per command, bytes per argument,
 * before and after AUTH; bytes per command), holds exactly its arguments' bytes of the node
 * budget, and the budget is back at zero when the connection ends. Handling allocates at most
 * {@value #ALLOCATION_PER_INPUT_BYTE} heap bytes per input byte plus {@value #ALLOCATION_BASE} (the
 * channel's allocator is on the heap, so buffers count: a length claiming gigabytes is refused
 * from its header, not allocated), and no batch takes longer than {@link #BATCH_TIMEOUT}.
 */
class RedisFuzzTest {

    private static final int INPUTS = Fuzz.inputs(40_000);
    private static final long SEED = Fuzz.seed(0x2ED15L);
    private static final int INPUTS_PER_EXAMPLE = 100;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);
    private static final long ALLOCATION_PER_INPUT_BYTE = 64;
    private static final long ALLOCATION_BASE = 1 << 20;
    private static final RedisLimits LIMITS = RedisLimits.defaults();
    private static final int MAX_INPUT_BYTES = 128 << 10;

    private static final Mutator MUTATOR = new Mutator(MAX_INPUT_BYTES, RedisFuzzTest::corruptLength, RedisFuzzTest::damageLineEnd,
            RedisFuzzTest::swapType);

    @Test
    void noInputBreaksTheLimitsOrThePipeline() {
        int examples = Math.max(1, INPUTS / INPUTS_PER_EXAMPLE);
        qt().withFixedSeed(SEED).withExamples(examples).withShrinkCycles(10)
            .forAll(pipelines(), pipelines(), longs().all())
            .checkAssert((valid, donor, seed) -> assertTimeoutPreemptively(BATCH_TIMEOUT, () -> fuzz(valid, donor, seed)));
    }

    private static void fuzz(byte[] valid, byte[] donor, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        check(valid, random);
        for (int i = 1; i < INPUTS_PER_EXAMPLE; i++) {
            byte[] input = random.nextInt(20) == 0 ? Mutator.randomBytes(random, random.nextInt(512))
                    : MUTATOR.mutate(valid, donor, random);
            check(input, random);
        }
    }

    /**
     * Runs {@code input} through a fresh connection and checks the oracle. Over the allocation
     * limit, the same run is repeated and measured again: what the first use of a code path
     * allocates once per JVM is not the input's doing, and a real over-allocation repeats.
     */
    private static void check(byte[] input, SplittableRandom random) {
        long pieces = random.nextLong();
        boolean authenticated = random.nextBoolean();
        long limit = ALLOCATION_BASE + ALLOCATION_PER_INPUT_BYTE * input.length;
        long allocated = run(input, pieces, authenticated, true);
        if (allocated > limit && (allocated = run(input, pieces, authenticated, false)) > limit) {
            throw new AssertionError("handling allocated " + allocated + " bytes, over the limit of " + limit + "; "
                    + describe(input, authenticated));
        }
    }

    private static String describe(byte[] input, boolean authenticated) {
        return (authenticated ? "authenticated" : "before AUTH") + ", input " + Fuzz.hex(input);
    }

    /** One run of {@code input}; returns the heap bytes it allocated. */
    private static long run(byte[] input, long pieces, boolean authenticated, boolean verify) {
        long before = Fuzz.allocatedBytes();
        AtomicLong budget = new AtomicLong();
        Client client = new Client(authenticated, budget);
        try {
            client.feed(input, new SplittableRandom(pieces));
            client.close();
            if (verify) {
                client.verify();
                if (budget.get() != 0) {
                    throw new AssertionError(budget.get() + " bytes of the node budget still held after the connection ended");
                }
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "; " + describe(input, authenticated), e);
        }
        return Fuzz.allocatedBytes() - before;
    }

    /** A client connection: the server's protocol handlers and a tail doing what {@link RedisConnection} does with their output. */
    private static final class Client extends ChannelInboundHandlerAdapter {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final boolean authenticated;
        final AtomicLong budget;
        final List<String> violations = new ArrayList<>();
        boolean closing;
        boolean assemblerFailed;

        Client(boolean authenticated, AtomicLong budget) {
            this.authenticated = authenticated;
            this.budget = budget;
            channel.config().setAllocator(new UnpooledByteBufAllocator(false));
            RedisServer.addDecoders(channel.pipeline(), LIMITS, budget, () -> authenticated);
            channel.pipeline().addLast(this);
        }

        /** Writes {@code input} in random pieces until the connection would close. */
        void feed(byte[] input, SplittableRandom random) {
            int pieces = input.length == 0 ? 0 : 1 + random.nextInt(Math.min(input.length, random.nextInt(8) == 0 ? 64 : 4));
            int at = 0;
            for (int i = 0; i < pieces && !closing; i++) {
                int end = i == pieces - 1 ? input.length : at + random.nextInt(input.length - at + 1);
                // A copy: a decoder may compact its cumulation in place, which would rewrite a wrapped input.
                channel.writeInbound(Unpooled.copiedBuffer(input, at, end - at));
                at = end;
                if (budget.get() > LIMITS.maxClientBufferBytes()) {
                    violations.add("the node budget holds " + budget.get() + " bytes");
                }
            }
            if (assemblerFailed && at < input.length) {
                // The real connection stops reading; bytes already read still pass through and must be dropped.
                channel.writeInbound(Unpooled.copiedBuffer(input, at, input.length - at));
            }
        }

        void close() {
            channel.finishAndReleaseAll();
        }

        void verify() {
            if (!violations.isEmpty()) {
                throw new AssertionError(String.join("; ", violations));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof RedisRequest r) {
                if (assemblerFailed) {
                    violations.add("a request passed after the protocol error");
                }
                check(r);
                budget.addAndGet(-r.bytes()); // what the connection returns once the reply is written
            } else if (msg instanceof RequestAssembler.ProtocolError) {
                if (assemblerFailed) {
                    violations.add("a second protocol error");
                }
                assemblerFailed = true;
                closing = true;
            } else {
                violations.add("unexpected " + msg.getClass().getSimpleName() + " from the protocol handlers");
                ReferenceCountUtil.release(msg);
            }
        }

        private void check(RedisRequest r) {
            int maxArguments = authenticated ? LIMITS.maxArguments() : LIMITS.unauthenticatedMaxArguments();
            int maxBulk = authenticated ? LIMITS.maxBulkBytes() : LIMITS.unauthenticatedMaxBulkBytes();
            if (r.args().length == 0 || r.args().length > maxArguments) {
                violations.add("a request of " + r.args().length + " arguments (limit " + maxArguments + ")");
            }
            long total = 0;
            for (byte[] a : r.args()) {
                if (a.length > maxBulk) {
                    violations.add("an argument of " + a.length + " bytes (limit " + maxBulk + ")");
                }
                total += a.length;
            }
            if (total > LIMITS.maxRequestBytes()) {
                violations.add("a request of " + total + " bytes (limit " + LIMITS.maxRequestBytes() + ")");
            }
            long charged = total + (long) r.args().length * RequestAssembler.ARGUMENT_OVERHEAD_BYTES;
            if (r.bytes() != charged) {
                violations.add("a request of " + total + " bytes in " + r.args().length + " arguments holds " + r.bytes() + " of the budget");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                closing = true; // RedisConnection answers "-ERR Protocol error: ..." and closes
            } else {
                violations.add("unexpected exception " + cause);
            }
        }
    }

    // ------------------------------------------------------------------ inputs

    private static final List<String> NAMES = List.of("GET", "SET", "INCR", "INCRBY", "SADD", "SREM", "SMEMBERS", "HSET", "HGET",
            "HDEL", "HGETALL", "DEL", "EXISTS", "MGET", "AUTH", "HELLO", "PING", "ECHO", "INFO", "CONFIG", "SCAN", "WAIT", "CLIENT",
            "QUIT", "CONVERGE.PARTITION");

    private static Gen<byte[]> argument() {
        Gen<Integer> sizes = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(20, integers().between(0, 12)),
                org.quicktheories.api.Pair.of(2, integers().between(13, 300)),
                org.quicktheories.api.Pair.of(1, integers().between(16_380, 16_390))));
        return Generate.byteArrays(sizes, Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 'a'));
    }

    private static Gen<byte[]> command() {
        return Generate.pick(NAMES).zip(lists().of(argument()).ofSizeBetween(0, 5), booleans().all(), (name, args, inline) -> {
            List<byte[]> all = new ArrayList<>();
            all.add(name.getBytes(StandardCharsets.US_ASCII));
            all.addAll(args);
            return inline ? inline(all) : resp(all);
        });
    }

    private static Gen<byte[]> pipelines() {
        return lists().of(command()).ofSizeBetween(1, 4).map(commands -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            commands.forEach(out::writeBytes);
            return out.toByteArray();
        }).describedAs(Fuzz::hex);
    }

    private static byte[] resp(List<byte[]> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    /** An inline command line, arguments double-quoted with escapes (\xHH outside printable ASCII) as redis-cli would. */
    private static byte[] inline(List<byte[]> args) {
        StringBuilder line = new StringBuilder();
        for (byte[] a : args) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append('"');
            for (byte b : a) {
                char c = (char) (b & 0xFF);
                switch (c) {
                    case '\n' -> line.append("\\n");
                    case '\r' -> line.append("\\r");
                    case '"', '\\' -> line.append('\\').append(c);
                    default -> line.append(c < 0x20 || c > 0x7E ? String.format(java.util.Locale.ROOT, "\\x%02x", (int) c) : c);
                }
            }
            line.append('"');
        }
        return (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Offsets where a line starts: the first byte and every byte after a line feed. */
    private static List<Integer> lineStarts(byte[] input) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < input.length; i++) {
            if (i == 0 || input[i - 1] == '\n') {
                starts.add(i);
            }
        }
        return starts;
    }

    private static final String[] NUMBERS = {"0", "1", "-1", "-2", "9", "10", "11", "16384", "16385", "65535", "65536", "65537",
        "2097152", "2097153", "4194304", "4194305", "536870912", "536870913", "2147483647", "2147483648", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999", "", "+1", " 1", "1 ",
        "0x10", "1e3", "00001", "-0"};

    /** The number of an array or bulk header ({@code *N} or {@code $N}) replaced by one that breaks a limit or the grammar. */
    private static byte[] corruptLength(byte[] input, SplittableRandom random) {
        List<int[]> numbers = new ArrayList<>();
        for (int start : lineStarts(input)) {
            if (input[start] == '*' || input[start] == '$') {
                int end = start + 1;
                while (end < input.length && input[end] != '\r' && input[end] != '\n') {
                    end++;
                }
                numbers.add(new int[] {start + 1, end - start - 1});
            }
        }
        if (numbers.isEmpty()) {
            return null;
        }
        int[] n = numbers.get(random.nextInt(numbers.size()));
        String value = random.nextInt(4) == 0 ? Long.toString(random.nextLong(-3, 70_000)) : NUMBERS[random.nextInt(NUMBERS.length)];
        return Mutator.replace(input, n[0], n[1], value.getBytes(StandardCharsets.US_ASCII));
    }

    /** A CRLF with its CR or LF dropped, doubled or swapped. */
    private static byte[] damageLineEnd(byte[] input, SplittableRandom random) {
        List<Integer> crlf = new ArrayList<>();
        for (int i = 0; i + 1 < input.length; i++) {
            if (input[i] == '\r' && input[i + 1] == '\n') {
                crlf.add(i);
            }
        }
        if (crlf.isEmpty()) {
            return null;
        }
        int at = crlf.get(random.nextInt(crlf.size()));
        String[] with = {"\r", "\n", "\n\r", "\r\r\n", "\r\n\r\n", ""};
        return Mutator.replace(input, at, 2, with[random.nextInt(with.length)].getBytes(StandardCharsets.US_ASCII));
    }

    /** A line's type byte swapped for another RESP2 or RESP3 type, or a letter (an inline command). */
    private static byte[] swapType(byte[] input, SplittableRandom random) {
        List<Integer> starts = lineStarts(input);
        if (starts.isEmpty()) {
            return null;
        }
        byte[] types = "*$+-:_#,!=(%~>|A ".getBytes(StandardCharsets.US_ASCII);
        byte[] out = input.clone();
        out[starts.get(random.nextInt(starts.size()))] = types[random.nextInt(types.length)];
        return out;
    }
}
