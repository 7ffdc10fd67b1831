package dev.converge.bench.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ratios pair each target's run with redis-server's run of the same round and depth. */
class NodeReportTest {

    private static NodeThroughput.Run run(String target, int pipeline, int round, double setRps) {
        return new NodeThroughput.Run(target, pipeline, round, Map.of("SET", new RedisBenchmarkCsv.Row("SET", setRps, 1, 1, 1)), 1, 0,
                Map.of(), Map.of(), "0");
    }

    @Test
    void ratiosAreTakenWithinARoundAndTheirMedianReported() {
        List<NodeThroughput.Run> runs = List.of(
                run(NodeReport.REDIS, 1, 1, 100), run(NodeReport.CLUSTER, 1, 1, 50), run(NodeReport.REDIS, 16, 1, 1000),
                run(NodeReport.CLUSTER, 16, 1, 100),
                run(NodeReport.REDIS, 1, 2, 200), run(NodeReport.CLUSTER, 1, 2, 60),
                run(NodeReport.REDIS, 1, 3, 50), run(NodeReport.CLUSTER, 1, 3, 40));

        assertThat(NodeReport.ratios(runs, NodeReport.CLUSTER, "SET", 1)).containsExactly(0.5, 0.3, 0.8);
        assertThat(NodeReport.median(NodeReport.ratios(runs, NodeReport.CLUSTER, "SET", 1))).isEqualTo(0.5);
        assertThat(NodeReport.ratios(runs, NodeReport.CLUSTER, "SET", 16)).containsExactly(0.1);
        assertThat(NodeReport.median(List.of(1.0, 4.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(NodeReport.median(List.of())).isNaN();
    }

    @Test
    void nodeThreadsAreGroupedByTheirKernelNames() {
        assertThat(ProcCpu.threadGroup("converge-redis-")).isEqualTo("redis I/O");
        assertThat(ProcCpu.threadGroup("converge-engine")).isEqualTo("engine");
        assertThat(ProcCpu.threadGroup("converge-rocksd")).isEqualTo("RocksDB");
        assertThat(ProcCpu.threadGroup("rocksdb:high")).isEqualTo("RocksDB");
        assertThat(ProcCpu.threadGroup("C2 CompilerThre")).isEqualTo("JIT");
        assertThat(ProcCpu.threadGroup("G1 Conc#0")).isEqualTo("GC/VM");
        assertThat(ProcCpu.threadGroup("Signal Dispatch")).isEqualTo("other");
    }
}
