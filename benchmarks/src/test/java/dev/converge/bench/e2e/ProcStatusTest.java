package dev.converge.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatusTest {

    /** The lines around the memory fields of a JVM's /proc/PID/status on Linux 6. */
    private static final String STATUS = """
            Name:\tjava
            Umask:\t0022
            State:\tS (sleeping)
            Pid:\t4242
            VmPeak:\t 4890124 kB
            VmSize:\t 4823560 kB
            VmHWM:\t  342016 kB
            VmRSS:\t  331292 kB
            RssAnon:\t  298800 kB
            Threads:\t47
            """;

    @Test
    void readsResidentAndPeakResidentMemoryInBytes() {
        assertThat(ProcStatus.field(STATUS, "VmRSS")).isEqualTo(331_292L * 1024);
        assertThat(ProcStatus.field(STATUS, "VmHWM")).isEqualTo(342_016L * 1024);
    }

    @Test
    void aMissingOrUnitlessFieldIsMinusOne() {
        assertThat(ProcStatus.field(STATUS, "VmSwap")).isEqualTo(-1);
        assertThat(ProcStatus.field(STATUS, "Threads")).isEqualTo(-1);
        assertThat(ProcStatus.field("", "VmRSS")).isEqualTo(-1);
    }

    @Test
    void thisProcessHasAResidentSetOnLinux() {
        long rss = ProcStatus.rssBytes(ProcessHandle.current().pid());
        if (System.getProperty("os.name").equals("Linux")) {
            assertThat(rss).isPositive();
            assertThat(ProcStatus.peakRssBytes(ProcessHandle.current().pid())).isGreaterThanOrEqualTo(rss);
        } else {
            assertThat(rss).isEqualTo(-1);
        }
    }
}
