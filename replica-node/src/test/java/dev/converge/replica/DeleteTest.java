package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import org.junit.jupiter.api.Test;

/** Deleting documents of every type: observed-remove, so a concurrent update survives. */
class DeleteTest {

    private static final Bytes K = Bytes.of("k");

    @Test
    void deletingEveryTypeLeavesNothingVisibleAndReplicates() {
        try (Cluster cluster = new Cluster(2, 41, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.await(a.counter("c").add(5));
            cluster.await(a.register("r").set("v"));
            cluster.await(a.set("s").add(Bytes.of("x")));
            cluster.await(a.map("m").increment(Bytes.of("f"), 1));
            cluster.await(a.flag("f").enable());
            cluster.await(a.mvRegister("mv").write(Bytes.of("w")));
            cluster.runFor(500);
            for (String key : new String[] {"c", "r", "s", "m", "f", "mv"}) {
                assertThat(b.exists(Bytes.of(key))).as(key).isTrue();
                assertThat(cluster.await(a.delete(Bytes.of(key))).value()).as("%s existed", key).isTrue();
                assertThat(a.exists(Bytes.of(key))).as(key).isFalse();
            }
            assertThat(cluster.await(a.delete(Bytes.of("never"))).value()).isFalse();
            cluster.runFor(500);
            for (String key : new String[] {"c", "r", "s", "m", "f", "mv"}) {
                assertThat(b.exists(Bytes.of(key))).as("%s deleted at b too", key).isFalse();
            }
            assertThat(b.counter("c").value()).isZero();
            cluster.await(b.counter("c").add(2));
            cluster.runFor(500);
            assertThat(a.counter("c").value()).isEqualTo(2);
            cluster.assertConverged();
        }
    }

    @Test
    void anUpdateConcurrentWithADeleteSurvivesOnlyWithItsOwnEffect() {
        try (Cluster cluster = new Cluster(2, 42, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.await(a.counter(K).add(10));
            cluster.await(a.set("s").add(Bytes.of("old")));
            cluster.runFor(500);
            cluster.network.isolate(a.id());
            cluster.runFor(100);
            cluster.await(a.delete(K));
            cluster.await(a.delete(Bytes.of("s")));
            cluster.await(b.counter(K).add(3));
            cluster.await(b.set("s").add(Bytes.of("new")));
            cluster.network.heal();
            cluster.runFor(2_000);
            cluster.assertConverged();
            assertThat(a.counter(K).value()).as("the reset removed the observed 10, not b's concurrent 3").isEqualTo(3);
            assertThat(a.set("s").elements()).containsExactly(Bytes.of("new"));
        }
    }

    /**
     * A delete names every dot it removes; fields overwritten many times scatter them, and the
     * delta can outgrow what one message carries. Such a delete is refused (it would hold back
     * every later entry of the log), and the way out the message names works.
     */
    @Test
    void aDeleteTooLargeToSendIsRefusedAndRemovingInPartsWorks() {
        EngineConfig config = EngineConfig.defaults().withSync(dev.converge.replica.sync.SyncConfig.defaults().withMaxBatchBytes(1024));
        try (Cluster cluster = new Cluster(2, 43, config)) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            java.util.List<Bytes> fields = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                Bytes field = Bytes.of("f" + i);
                fields.add(field);
                cluster.await(a.map("h").setRegister(field, Bytes.of("a")));
                cluster.await(a.map("h").setRegister(field, Bytes.of("b")));
            }
            cluster.runFor(1_000);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> cluster.await(a.delete(Bytes.of("h")))))
                    .hasMessageContaining("more than maxBatchBytes").hasMessageContaining("smaller groups");
            assertThat(a.exists(Bytes.of("h"))).as("refused whole: nothing deleted").isTrue();
            for (int i = 0; i < fields.size(); i += 50) {
                cluster.await(a.map("h").removeFields(fields.subList(i, i + 50)));
            }
            assertThat(cluster.await(a.delete(Bytes.of("h"))).value()).as("nothing left to delete").isFalse();
            cluster.await(a.counter("after").add(1));
            cluster.runFor(1_000);
            assertThat(b.exists(Bytes.of("h"))).isFalse();
            assertThat(b.counter("after").value()).as("replication goes on").isEqualTo(1);
            cluster.assertConverged();
        }
    }
}
