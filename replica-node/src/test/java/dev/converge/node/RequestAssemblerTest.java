package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.RedisDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Netty's RedisDecoder followed by {@link RequestAssembler}, in an {@link EmbeddedChannel}: requests, limits, budget. */
class RequestAssemblerTest {

    private final AtomicLong budget = new AtomicLong();
    private final AtomicBoolean authenticated = new AtomicBoolean(true);
    private final RedisLimits limits = RedisLimits.defaults();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new RedisDecoder(limits.maxInlineBytes(), FixedRedisMessagePool.INSTANCE, true),
                new RequestAssembler(limits, budget, authenticated::get));
    }

    private static List<Object> feed(EmbeddedChannel ch, String... chunks) {
        for (String c : chunks) {
            ch.writeInbound(Unpooled.copiedBuffer(c, StandardCharsets.ISO_8859_1));
        }
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add(m);
        }
        return out;
    }

    private static List<String> args(Object request) {
        List<String> out = new ArrayList<>();
        for (byte[] a : ((RedisRequest) request).args()) {
            out.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    @Test
    void commandsArriveWholeWhateverTheSplitAndPipelined() {
        EmbeddedChannel ch = channel();
        List<Object> out = feed(ch, "*3\r\n$3\r\nSET\r\n$1", "\r\nk\r\n$5\r\nval", "ue\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
        assertThat(out).hasSize(3);
        assertThat(args(out.get(0))).containsExactly("SET", "k", "value");
        assertThat(args(out.get(1))).containsExactly("PING");
        assertThat(args(out.get(2))).containsExactly("ECHO", "");
        assertThat(((RedisRequest) out.get(0)).bytes()).isEqualTo(9 + 3 * RequestAssembler.ARGUMENT_OVERHEAD_BYTES);
        assertThat(feed(ch, "*0\r\n", "PING  \"a b\" 'c'\r\n", "\r\n")).singleElement()
                .satisfies(r -> assertThat(args(r)).containsExactly("PING", "a b", "c"));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /** Empty arguments hold memory too: a request of many is charged for them, not for nothing. */
    @Test
    void emptyArgumentsAreChargedAgainstTheBudget() {
        EmbeddedChannel ch = channel();
        List<Object> out = feed(ch, "*1000\r\n" + "$0\r\n\r\n".repeat(1000));
        assertThat(out).singleElement().satisfies(r -> assertThat(((RedisRequest) r).bytes()).isEqualTo(1000L * RequestAssembler.ARGUMENT_OVERHEAD_BYTES));
        assertThat(budget.get()).isEqualTo(1000L * RequestAssembler.ARGUMENT_OVERHEAD_BYTES);
        ch.finishAndReleaseAll();
    }

    @Test
    void aHugeBulkLengthIsRefusedFromItsHeaderAndNothingElseIsRead() {
        EmbeddedChannel ch = channel();
        List<Object> out = feed(ch, "*2\r\n$3\r\nGET\r\n$3000000\r\nabc", "more", "*1\r\n$4\r\nPING\r\n");
        assertThat(out).singleElement().isEqualTo(new RequestAssembler.ProtocolError("invalid bulk length 3000000 (limit 2097152 bytes)"));
        assertThat(budget.get()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aMillionArgumentsAreRefusedFromTheArrayHeader() {
        EmbeddedChannel ch = channel();
        assertThat(feed(ch, "*1000000\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("invalid multibulk length 1000000 (limit 65536 arguments)"));
        ch.finishAndReleaseAll();
    }

    @Test
    void aRequestLargerThanItsLimitIsRefused() {
        EmbeddedChannel ch = channel();
        String mib = "$2000000\r\n" + "x".repeat(2_000_000) + "\r\n";
        List<Object> out = feed(ch, "*4\r\n$4\r\nSADD\r\n" + mib + mib + mib);
        assertThat(out).singleElement().isEqualTo(new RequestAssembler.ProtocolError("request larger than 4194304 bytes"));
        assertThat(budget.get()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void nestedArraysAndRepliesAreNotCommands() {
        assertThat(feed(channel(), "*2\r\n*1\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("expected '$', got '*' (nested arrays are not commands)"));
        assertThat(feed(channel(), "$3\r\nGET\r\n")).singleElement().isEqualTo(new RequestAssembler.ProtocolError("expected '*', got '$'"));
        assertThat(feed(channel(), "*1\r\n$-1\r\n")).singleElement().isEqualTo(new RequestAssembler.ProtocolError("invalid bulk length -1"));
    }

    /** As Redis splits them: \xHH is any byte, so an inline command can carry binary; other escapes as before. */
    @Test
    void inlineCommandsCarryAnyByteThroughHexEscapes() {
        // feed() sends each char as one byte: "caf\u00c3\u00a9" is café in UTF-8 (a raw 0xE9 would not be).
        assertThat(feed(channel(), "SET k \"a\\x00\\xFFb\\x4a\" \"\\xZZ\\x4\" '\\x41' \"caf\u00c3\u00a9\"\r\n")).singleElement()
                .satisfies(r -> {
                    assertThat(args(r)).containsExactly("SET", "k", "a\u0000\u00ffbJ", "xZZx4", "\\x41", "caf\u00c3\u00a9");
                    assertThat(((RedisRequest) r).args()[2]).containsExactly('a', 0, 0xFF, 'b', 'J');
                });
    }

    @Test
    void beforeAuthRequestsAreSmall() {
        authenticated.set(false);
        assertThat(feed(channel(), "*11\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("invalid multibulk length 11 (limit 10 arguments before AUTH)"));
        assertThat(feed(channel(), "*2\r\n$4\r\nAUTH\r\n$16385\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("invalid bulk length 16385 (limit 16384 bytes before AUTH)"));
        assertThat(feed(channel(), "a b c d e f g h i j k\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("too many arguments in an inline command (limit 10)"));
        // An inline line may be 64 KiB, but an argument before AUTH still may not pass 16 KiB (found by RedisFuzzTest).
        assertThat(feed(channel(), "AUTH " + "x".repeat(16_385) + "\r\n")).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("inline argument of 16385 bytes (limit 16384 bytes before AUTH)"));
        assertThat(feed(channel(), "AUTH " + "x".repeat(16_384) + "\r\n")).singleElement()
                .satisfies(r -> assertThat(args(r)).containsExactly("AUTH", "x".repeat(16_384)));
        assertThat(budget.get()).isEqualTo(16_388 + 2 * RequestAssembler.ARGUMENT_OVERHEAD_BYTES);
        authenticated.set(true);
        assertThat(feed(channel(), "ECHO " + "x".repeat(60_000) + "\r\n")).singleElement()
                .satisfies(r -> assertThat(args(r)).containsExactly("ECHO", "x".repeat(60_000)));
    }

    @Test
    void theNodeBudgetBoundsWhatAllClientsHoldAndIsReturnedWhenAClientLeaves() {
        RedisLimits small = new RedisLimits(65_536, 2 << 20, 4 << 20, 64 << 10, 10, 16 << 10, 1_024, 8L << 20, 5 << 20, 1_024);
        EmbeddedChannel a = new EmbeddedChannel(new RedisDecoder(true), new RequestAssembler(small, budget, () -> true));
        EmbeddedChannel b = new EmbeddedChannel(new RedisDecoder(true), new RequestAssembler(small, budget, () -> true));
        // a holds 3 MB of an unfinished argument
        assertThat(feed(a, "*2\r\n$4\r\nECHO\r\n$2000000\r\n" + "x".repeat(1_500_000))).isEmpty();
        assertThat(budget.get()).isEqualTo(1_500_004 + 2 * RequestAssembler.ARGUMENT_OVERHEAD_BYTES); // ECHO, the content so far, both arguments' overhead
        assertThat(feed(b, "*3\r\n$4\r\nSADD\r\n$2000000\r\n" + "y".repeat(2_000_000) + "\r\n$2000000\r\n" + "y".repeat(1_000_000)))
                .isEmpty();
        assertThat(feed(b, "y".repeat(1_000_000))).singleElement()
                .isEqualTo(new RequestAssembler.ProtocolError("client buffers of the node are full (5242880 bytes)"));
        assertThat(budget.get()).isEqualTo(1_500_004 + 2 * RequestAssembler.ARGUMENT_OVERHEAD_BYTES); // ECHO, the content so far, both arguments' overhead
        a.finishAndReleaseAll(); // a leaves: its partial request returns to the budget
        assertThat(budget.get()).isZero();
        b.finishAndReleaseAll();
    }

    /** A request that stops half-way gives back the node's buffers after a while; a slow one that keeps coming does not. */
    @Test
    void aStalledRequestIsCutOffAndItsBuffersReturned() {
        EmbeddedChannel stalled = channel();
        assertThat(feed(stalled, "*2\r\n$4\r\nECHO\r\n$1000000\r\n" + "x".repeat(100_000))).isEmpty();
        assertThat(budget.get()).isPositive();
        stalled.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS - 1_000, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(feed(stalled, "x".repeat(100_000))).as("still coming: kept").isEmpty();
        stalled.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS - 1_000, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(feed(stalled)).as("not yet a whole stall since the last part").isEmpty();
        stalled.advanceTimeBy(2_000, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        stalled.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(feed(stalled)).singleElement().satisfies(e -> assertThat(((RequestAssembler.ProtocolError) e).message())
                .startsWith("request stalled"));
        assertThat(budget.get()).as("returned to the node").isZero();
        stalled.finishAndReleaseAll();

        // Reading held back (the client does not take its replies): a stall is given ten periods, not forever.
        EmbeddedChannel paused = channel();
        assertThat(feed(paused, "*2\r\n$4\r\nECHO\r\n$1000000\r\n" + "x".repeat(100_000))).isEmpty();
        paused.config().setAutoRead(false);
        paused.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
        paused.runScheduledPendingTasks(); // the first check still sees the request's last parts arrive
        for (int i = 0; i < RequestAssembler.PAUSED_STALLS - 1; i++) {
            paused.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
            paused.runScheduledPendingTasks();
        }
        assertThat(feed(paused)).as("still within its periods").isEmpty();
        paused.advanceTimeBy(RequestAssembler.STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
        paused.runScheduledPendingTasks();
        assertThat(feed(paused)).singleElement().satisfies(e -> assertThat(((RequestAssembler.ProtocolError) e).message())
                .startsWith("request stalled: no more of it for 300 s"));
        assertThat(budget.get()).isZero();
        paused.finishAndReleaseAll();

        EmbeddedChannel idle = channel();
        assertThat(feed(idle, "*1\r\n$4\r\nPING\r\n")).hasSize(1);
        idle.advanceTimeBy(10 * RequestAssembler.STALLED_REQUEST_MILLIS, TimeUnit.MILLISECONDS);
        idle.runScheduledPendingTasks();
        assertThat(feed(idle, "*1\r\n$4\r\nPING\r\n")).as("an idle connection between requests is left alone").hasSize(1);
        idle.finishAndReleaseAll();
    }

    @Test
    void garbageFromNettysDecoderSurfacesAsAnException() {
        EmbeddedChannel ch = channel();
        try {
            feed(ch, "*x\r\n");
            throw new AssertionError("expected a decoder failure");
        } catch (io.netty.handler.codec.DecoderException e) {
            assertThat(e).hasMessageContaining("bad byte in number");
        }
        ch.finishAndReleaseAll();
    }
}
