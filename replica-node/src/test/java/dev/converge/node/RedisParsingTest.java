package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.sync.KeyHashRange;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers of the Redis front end: integers, glob patterns, SCAN's hash ranges, JSON, the admin rule. */
class RedisParsingTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void integersParseAsRedisParsesThem() {
        assertThat(RedisCommands.parseLong(b("0"))).isZero();
        assertThat(RedisCommands.parseLong(b("-42"))).isEqualTo(-42);
        assertThat(RedisCommands.parseLong(b("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
        assertThat(RedisCommands.parseLong(b("-9223372036854775808"))).isEqualTo(Long.MIN_VALUE);
        for (String bad : List.of("", "-", "+1", "01", "-0", "1 ", "9223372036854775808", "-9223372036854775809", "1e3", "0x10",
                "99999999999999999999")) {
            assertThatThrownBy(() -> RedisCommands.parseLong(b(bad))).as(bad).hasMessage("ERR value is not an integer or out of range");
        }
    }

    @Test
    void globsMatchAsRedisPatternsDo() {
        assertThat(Glob.matches(b("*"), b(""))).isTrue();
        assertThat(Glob.matches(b("user:*"), b("user:42"))).isTrue();
        assertThat(Glob.matches(b("user:?"), b("user:42"))).isFalse();
        assertThat(Glob.matches(b("h?llo"), b("hello"))).isTrue();
        assertThat(Glob.matches(b("h[ae]llo"), b("hallo"))).isTrue();
        assertThat(Glob.matches(b("h[^e]llo"), b("hello"))).isFalse();
        assertThat(Glob.matches(b("h[a-c]llo"), b("hbllo"))).isTrue();
        assertThat(Glob.matches(b("a\\*b"), b("a*b"))).isTrue();
        assertThat(Glob.matches(b("a\\*b"), b("axb"))).isFalse();
        assertThat(Glob.matches(b("*a*b*c*"), b("xxaxxbxxcxx"))).isTrue();
        // A pattern built to explode a backtracking matcher finishes at once.
        long start = System.nanoTime();
        assertThat(Glob.matches(b("*a*a*a*a*a*a*a*a*a*a*a*b"), b("a".repeat(5_000)))).isFalse();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    }

    @Test
    void scanRangesCoverTheHashesFromTheCursorToTheEnd() {
        assertThat(RedisCommands.rangesFrom(0)).containsExactly(KeyHashRange.ALL);
        assertThat(RedisCommands.rangesFrom(Long.MIN_VALUE)).containsExactly(new KeyHashRange(Long.MIN_VALUE, 1));
        for (long start : new long[] {1, 12345, -1, Long.MIN_VALUE + 3, 0x00ff_0000_0000_0000L}) {
            List<KeyHashRange> ranges = RedisCommands.rangesFrom(start);
            assertThat(ranges.size()).isLessThanOrEqualTo(64);
            assertThat(ranges.stream().anyMatch(r -> r.contains(start))).isTrue();
            assertThat(ranges.stream().anyMatch(r -> r.contains(-1L))).isTrue();
            if (start != 1) {
                long below = start - 1;
                assertThat(ranges.stream().noneMatch(r -> r.contains(below))).as("%x", start).isTrue();
            }
        }
    }

    @Test
    void jsonRoundTripsTheStatusShapes() {
        String text = new Json.Writer().beginObject().field("a", "x\"y\n").field("n", -5).field("t", true).name("l").beginArray()
                .value(1).value("z").endArray().endObject().toString();
        assertThat(Json.parse(text)).isEqualTo(Map.of("a", "x\"y\n", "n", -5L, "t", true, "l", List.of(1L, "z")));
        assertThatThrownBy(() -> Json.parse("{\"a\":")).hasMessageContaining("JSON");
        assertThatThrownBy(() -> Json.parse("[".repeat(100))).hasMessageContaining("not JSON").hasMessageContaining("nesting depth");
    }

    @Test
    void adminCommandsNeedThePasswordOrWithoutOneALoopbackClient() {
        assertThat(new ClientSession(1, true, false, Runnable::run).admin()).isTrue();
        assertThat(new ClientSession(1, false, false, Runnable::run).admin()).isFalse();
        ClientSession withPassword = new ClientSession(1, true, true, Runnable::run);
        assertThat(withPassword.admin()).isFalse();
        withPassword.authenticated(true);
        assertThat(withPassword.admin()).isTrue();
    }

    @Test
    void errorRepliesAreOneBoundedLine() {
        assertThat(RedisReplies.clean("a\r\nb")).isEqualTo("a  b");
        assertThat(RedisReplies.clean("x".repeat(10_000))).hasSize(515);
        assertThat(RedisReplies.quote(new byte[] {'o', 'k', 0, '\''})).isEqualTo("ok\\x00\\x27");
    }
}
