package dev.converge.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line: help, exit codes for bad usage, the schedule a seed prints. */
class ChaosMainTest {

    private static String capture(Runnable r) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheExitCodes() {
        String out = capture(() -> assertThat(ChaosMain.run("--help")).isZero());
        assertThat(out).contains("--nodes", "--duration", "--seed", "Exit codes:", "1   a checker failed", "3   a runtime failure");
    }

    @Test
    void badUsageExitsWithTwo() {
        assertThat(ChaosMain.run("--nodes", "2", "--dry-run")).isEqualTo(2);
        assertThat(ChaosMain.run("--duration", "30s", "--dry-run")).isEqualTo(2);
        assertThat(ChaosMain.run("--duration", "ten", "--dry-run")).isEqualTo(2);
        assertThat(ChaosMain.run("--netns", "maybe", "--dry-run")).isEqualTo(2);
        assertThat(ChaosMain.run("--no-such-option")).isEqualTo(2);
    }

    @Test
    void aSeedPrintsTheSameScheduleEveryTime() {
        String a = capture(() -> assertThat(ChaosMain.run("--dry-run", "--seed", "11", "--nodes", "5", "--duration", "2m")).isZero());
        String b = capture(() -> assertThat(ChaosMain.run("--dry-run", "--seed", "11", "--nodes", "5", "--duration", "2m")).isZero());
        assertThat(a).isEqualTo(b).contains("2 rounds of 60 s", "leave-rejoin", "n1-n3 sync, n4-n5 buffered");
    }

    /** No round is longer than --round when the duration splits into more, none shorter than 45 s. */
    @Test
    void theDurationSplitsIntoRoundsOfAtMostTheRound() {
        String hundred = capture(() -> assertThat(ChaosMain.run("--dry-run", "--seed", "11", "--nodes", "5", "--duration", "100s")).isZero());
        assertThat(hundred).contains("2 rounds of 50 s", "leave-rejoin");
        String seventy = capture(() -> assertThat(ChaosMain.run("--dry-run", "--seed", "11", "--duration", "70s")).isZero());
        assertThat(seventy).as("two rounds of 35 s would be shorter than 45 s").contains("1 round of 70 s");
        String buffered = capture(() -> assertThat(ChaosMain.run("--dry-run", "--seed", "11", "--sync-nodes", "0")).isZero());
        assertThat(buffered).contains("all buffered").doesNotContain("n1-n0");
    }

    @Test
    void timesTakeUnits() {
        assertThat(ChaosMain.millis("x", "45s")).isEqualTo(45_000);
        assertThat(ChaosMain.millis("x", "10m")).isEqualTo(600_000);
        assertThat(ChaosMain.millis("x", "500ms")).isEqualTo(500);
        assertThat(ChaosMain.millis("x", "2")).isEqualTo(2_000);
        assertThatThrownBy(() -> ChaosMain.millis("--quiet", "soon")).hasMessageContaining("--quiet");
    }
}
