package dev.converge.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void nearestRankPercentilesOfOneToAThousand() {
        long[] sorted = new long[1000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertThat(Latencies.percentile(sorted, 50)).isEqualTo(500);
        assertThat(Latencies.percentile(sorted, 99)).isEqualTo(990);
        assertThat(Latencies.percentile(sorted, 99.9)).isEqualTo(999);
        assertThat(Latencies.percentile(sorted, 100)).isEqualTo(1000);
        assertThat(Latencies.percentile(sorted, 0)).isEqualTo(1);
    }

    @Test
    void aSingleSlowValueInAHundredIsTheMaxButNotTheP99() {
        long[] sorted = new long[100];
        java.util.Arrays.fill(sorted, 10);
        sorted[99] = 5_000;
        assertThat(Latencies.percentile(sorted, 99)).isEqualTo(10);
        assertThat(Latencies.percentile(sorted, 100)).isEqualTo(5_000);
    }

    @Test
    void summaryMergesRecordersAndConvertsToMillis() {
        Latencies a = new Latencies();
        Latencies b = new Latencies();
        for (int i = 1; i <= 3000; i++) {
            (i % 2 == 0 ? a : b).record(i * 1_000_000L);
        }
        a.addAll(b);
        Latencies.Summary s = a.summarize();
        assertThat(s.count()).isEqualTo(3000);
        assertThat(s.p50()).isEqualTo(1500.0);
        assertThat(s.p99()).isEqualTo(2970.0);
        assertThat(s.p999()).isEqualTo(2997.0);
        assertThat(s.max()).isEqualTo(3000.0);
    }

    @Test
    void anEmptySummaryIsNotANumber() {
        Latencies.Summary s = new Latencies().summarize();
        assertThat(s.count()).isZero();
        assertThat(s.p99()).isNaN();
    }
}
