package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.ORMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * 3–5 replicas write every type under loss, duplication, reordering and changing partitions,
 * then the network heals: all replicas end byte-equal and every completed write is present.
 */
class ConvergenceTest {

    /** What completed writes promise about the final state. */
    private static final class Expectations {
        final Map<Bytes, Long> counters = new HashMap<>();
        final Map<Bytes, Set<Bytes>> setElements = new HashMap<>();
        final Map<Bytes, Long> mapCounters = new HashMap<>();
        final Map<Bytes, Set<Bytes>> registerValues = new HashMap<>();
    }

    @Test
    void randomWritesUnderFaultsConvergeAfterHealing() {
        // 40 seeds in the build; -Dchaos.seeds=N (and -Dchaos.from) in surefire.argLine for more.
        for (long seed = Long.getLong("chaos.from", 1); seed <= Long.getLong("chaos.seeds", 40); seed++) {
            runChaos(seed, 3 + (int) (seed % 3), 600);
        }
    }

    private void runChaos(long seed, int size, int steps) {
        SplittableRandom random = new SplittableRandom(seed * 7919);
        try (Cluster cluster = new Cluster(size, seed, EngineConfig.defaults())) {
            cluster.network.lossRate = 0.2;
            cluster.network.duplicateRate = 0.1;
            cluster.network.maxDelayMillis = 60;
            Expectations expect = new Expectations();
            List<CompletionStage<?>> writes = new ArrayList<>();
            Map<Integer, List<Bytes>> addedBy = new HashMap<>();
            for (int step = 0; step < steps; step++) {
                int r = random.nextInt(size);
                Replica replica = cluster.get(r);
                Bytes key = Bytes.of("k" + random.nextInt(4));
                switch (random.nextInt(8)) {
                    case 0, 1 -> {
                        Bytes counter = Bytes.of("counter-" + key);
                        long amount = random.nextInt(11) - 5;
                        writes.add(replica.counter(counter).add(amount)
                                .thenRun(() -> expect.counters.merge(counter, amount, Long::sum)));
                    }
                    case 2, 3 -> {
                        Bytes set = Bytes.of("set-" + key);
                        Bytes element = Bytes.of("e-" + r + "-" + step);
                        writes.add(replica.set(set).add(element).thenRun(() -> {
                            expect.setElements.computeIfAbsent(set, k -> new HashSet<>()).add(element);
                            addedBy.computeIfAbsent(r, k -> new ArrayList<>()).add(set);
                        }));
                    }
                    case 4 -> {
                        // Remove an element this replica added and saw completed: the remove observes it.
                        Bytes set = Bytes.of("set-" + key);
                        Set<Bytes> mine = new HashSet<>();
                        for (Bytes e : replica.set(set).elements()) {
                            if (e.asString().startsWith("e-" + r + "-")) {
                                mine.add(e);
                            }
                        }
                        if (!mine.isEmpty()) {
                            Bytes victim = mine.iterator().next();
                            writes.add(replica.set(set).remove(victim).thenRun(() -> expect.setElements.get(set).remove(victim)));
                        }
                    }
                    case 5 -> {
                        Bytes reg = Bytes.of("reg-" + key);
                        Bytes value = Bytes.of("v-" + r + "-" + step);
                        expect.registerValues.computeIfAbsent(reg, k -> new HashSet<>()).add(value);
                        writes.add(replica.register(reg).set(value));
                    }
                    case 6 -> {
                        Bytes map = Bytes.of("map-" + key);
                        long amount = 1 + random.nextInt(3);
                        writes.add(replica.map(map).increment(Bytes.of("n"), amount)
                                .thenRun(() -> expect.mapCounters.merge(map, amount, Long::sum)));
                    }
                    default -> cutOrJoinALink(cluster, random, size);
                }
                cluster.runFor(random.nextInt(25));
            }
            cluster.network.heal();
            cluster.runFor(10_000);
            for (CompletionStage<?> w : writes) {
                assertThat(w.toCompletableFuture()).as("seed %d: every local write completes", seed).isCompletedWithValueMatching(v -> true);
            }
            try {
                cluster.assertConverged();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (" + size + " replicas): " + e.getMessage(), e);
            }
            Replica any = cluster.get(0);
            expect.counters.forEach((k, v) -> assertThat(any.counter(k).value()).as("seed %d counter %s", seed, k).isEqualTo(v));
            expect.setElements.forEach((k, v) -> assertThat(any.set(k).elements()).as("seed %d set %s", seed, k).containsExactlyInAnyOrderElementsOf(v));
            expect.mapCounters.forEach((k, v) -> assertThat(any.map(k).read().counter(Bytes.of("n"))).hasValue(v));
            expect.registerValues.forEach((k, v) -> assertThat(v).contains(any.register(k).value().orElseThrow()));
            for (Replica r : cluster.replicas) {
                SyncStatus status = cluster.await(r.status());
                assertThat(status.peers()).hasSize(size - 1)
                        .allSatisfy(p -> assertThat(p.unackedEntries()).as("seed %d: all acknowledged", seed).isZero());
            }
        }
    }

    /** Partitions come and go: a random link is cut, or joined again. */
    private static void cutOrJoinALink(Cluster cluster, SplittableRandom random, int size) {
        int a = random.nextInt(size);
        int b = random.nextInt(size);
        if (a != b) {
            if (random.nextBoolean()) {
                cluster.network.disconnect(cluster.id(a), cluster.id(b));
            } else {
                cluster.network.connect(cluster.id(a), cluster.id(b));
            }
        }
    }

    /**
     * The same faults, with replicas writing the same few keys as a counter, a set or a register,
     * whichever they pick: keys become type conflicts in different orders on different replicas.
     * After healing every replica holds the same bytes, and each type's part holds every write of
     * it that completed (a write of a key that already holds another type here fails, and counts
     * for nothing).
     */
    @Test
    void keysWrittenAsDifferentTypesUnderFaultsConvergeKeepingEveryCompletedWrite() {
        for (long seed = 1; seed <= 12; seed++) {
            runMixedTypes(seed, 3 + (int) (seed % 3));
        }
    }

    private void runMixedTypes(long seed, int size) {
        {
            SplittableRandom random = new SplittableRandom(seed * 104_729);
            try (Cluster cluster = new Cluster(size, seed, EngineConfig.defaults())) {
                cluster.network.lossRate = 0.2;
                cluster.network.duplicateRate = 0.1;
                cluster.network.maxDelayMillis = 60;
                Expectations expect = new Expectations();
                List<CompletionStage<?>> writes = new ArrayList<>();
                for (int step = 0; step < 400; step++) {
                    int r = random.nextInt(size);
                    Replica replica = cluster.get(r);
                    Bytes key = Bytes.of("mixed-" + random.nextInt(3));
                    switch (random.nextInt(5)) {
                        case 0 -> {
                            long amount = 1 + random.nextInt(5);
                            writes.add(replica.counter(key).add(amount).thenRun(() -> expect.counters.merge(key, amount, Long::sum)));
                        }
                        case 1 -> {
                            Bytes element = Bytes.of("e-" + r + "-" + step);
                            writes.add(replica.set(key).add(element)
                                    .thenRun(() -> expect.setElements.computeIfAbsent(key, k -> new HashSet<>()).add(element)));
                        }
                        case 2 -> {
                            Bytes value = Bytes.of("v-" + r + "-" + step);
                            writes.add(replica.register(key).set(value)
                                    .thenRun(() -> expect.registerValues.computeIfAbsent(key, k -> new HashSet<>()).add(value)));
                        }
                        default -> cutOrJoinALink(cluster, random, size);
                    }
                    cluster.runFor(random.nextInt(25));
                }
                cluster.network.heal();
                cluster.runFor(10_000);
                long refused = writes.stream().filter(w -> w.toCompletableFuture().isCompletedExceptionally()).count();
                for (CompletionStage<?> w : writes) {
                    assertThat(w.toCompletableFuture()).as("seed %d: every write completes or is refused for its type", seed).isDone();
                    w.toCompletableFuture().exceptionally(e -> {
                        assertThat(e).hasRootCauseInstanceOf(dev.converge.crdt.WrongTypeException.class);
                        return null;
                    });
                }
                try {
                    cluster.assertConverged();
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + " (" + size + " replicas): " + e.getMessage(), e);
                }
                for (Replica any : cluster.replicas) {
                    expect.counters.forEach((k, v) -> assertThat(any.counter(k).value()).as("seed %d counter %s", seed, k).isEqualTo(v));
                    expect.setElements.forEach((k, v) -> assertThat(any.set(k).elements()).as("seed %d set %s", seed, k)
                            .containsExactlyInAnyOrderElementsOf(v));
                    expect.registerValues.forEach((k, v) -> assertThat(v).contains(any.register(k).value().orElseThrow()));
                }
                long conflicted = cluster.stores.get(0).keys((Bytes) null, null, 10).stream()
                        .filter(k -> cluster.stores.get(0).read(k).orElseThrow() instanceof dev.converge.crdt.TypeConflict).count();
                System.out.printf("seed %d: %d writes, %d refused for their type, %d of 3 keys conflicted%n", seed, writes.size(), refused, conflicted);
            }
        }
    }

    @Test
    void awaitReplicatedCountsPeersThatAcknowledged() {
        try (Cluster cluster = new Cluster(3, 5, EngineConfig.defaults())) {
            cluster.runFor(100);
            Written<Long> w = cluster.await(cluster.get(0).counter("c").add(3));
            assertThat(cluster.await(cluster.get(0).awaitReplicated(w.seq(), 2, java.time.Duration.ofSeconds(5)))).isEqualTo(2);
            cluster.network.isolate(cluster.id(0));
            Written<Long> w2 = cluster.await(cluster.get(0).counter("c").add(1));
            CompletableFuture<Integer> waiting = cluster.get(0).awaitReplicated(w2.seq(), 2, java.time.Duration.ofSeconds(2)).toCompletableFuture();
            cluster.runFor(1_000);
            assertThat(waiting).isNotDone();
            cluster.runFor(1_500);
            assertThat(waiting).isCompletedWithValue(0);
            assertThat(cluster.get(1).counter("c").value()).isEqualTo(3);
        }
    }

    /** The write runs later on the engine's loop: it takes the caller's elements as they were at the call. */
    @Test
    void aWriteTakesTheCallersElementsAsTheyWereAtTheCall() {
        try (Cluster cluster = new Cluster(1, 5, EngineConfig.defaults())) {
            List<Bytes> mine = new ArrayList<>(List.of(Bytes.of("x"), Bytes.of("y")));
            CompletableFuture<Written<Integer>> added = cluster.get(0).set("s").add(mine).toCompletableFuture();
            mine.clear(); // reused by the caller before the loop ran the write
            assertThat(cluster.await(added).value()).isEqualTo(2);
            assertThat(cluster.get(0).set("s").elements()).containsExactly(Bytes.of("x"), Bytes.of("y"));
        }
    }

    @Test
    void aCancelledReplicationWaitStopsWaiting() {
        try (Cluster cluster = new Cluster(2, 5, EngineConfig.defaults())) {
            cluster.runFor(100);
            cluster.network.isolate(cluster.id(0));
            Written<Long> w = cluster.await(cluster.get(0).counter("c").add(1));
            CompletableFuture<Integer> waiting = cluster.get(0).awaitReplicated(w.seq(), 1, java.time.Duration.ofDays(1)).toCompletableFuture();
            cluster.runFor(100);
            assertThat(cluster.await(cluster.get(0).status()).replicationWaits()).isEqualTo(1);
            waiting.cancel(false);
            cluster.runFor(10);
            assertThat(cluster.await(cluster.get(0).status()).replicationWaits()).as("waits after the cancel").isZero();
        }
    }

    @Test
    void awaitReplicatedDoesNotWaitOutTheAcknowledgementDelay() {
        EngineConfig config = EngineConfig.defaults();
        config = config.withSync(config.sync().withAckDelayMillis(500));
        try (Cluster cluster = new Cluster(3, 7, config)) {
            cluster.runFor(100);
            Replica a = cluster.get(0);
            Written<Long> first = cluster.await(a.counter("c").add(1));
            assertThat(cluster.await(a.awaitReplicated(first.seq(), 2, java.time.Duration.ofSeconds(5)))).isEqualTo(2);
            // The peers acknowledged just now: for 500 ms they would hold further acknowledgements back.
            Written<Long> beforePush = cluster.await(a.counter("c").add(1));
            long start = cluster.time.millis();
            assertThat(cluster.await(a.awaitReplicated(beforePush.seq(), 2, java.time.Duration.ofSeconds(5)))).isEqualTo(2);
            assertThat(cluster.time.millis() - start).as("a waiter registered before the push").isLessThan(50);
            Written<Long> afterPush = cluster.await(a.counter("c").add(1));
            cluster.runFor(20); // pushed and merged; the acknowledgements wait
            start = cluster.time.millis();
            assertThat(cluster.await(a.awaitReplicated(afterPush.seq(), 2, java.time.Duration.ofSeconds(5)))).isEqualTo(2);
            assertThat(cluster.time.millis() - start).as("a waiter registered after the push").isLessThan(50);
        }
    }

    @Test
    void aViewCompletingOnAnExecutorRunsDependentStagesThereAndSharesTheReplica() {
        try (Cluster cluster = new Cluster(2, 11, EngineConfig.defaults())) {
            cluster.runFor(100);
            // The view's executor only queues: its stages run when the test runs the queue, nowhere else.
            List<Runnable> queued = new ArrayList<>();
            Replica view = cluster.get(0).completingOn(queued::add);
            CompletableFuture<Long> onView = view.counter("c").add(2).thenApply(Written::value).toCompletableFuture();
            CompletableFuture<Long> onReplica = cluster.get(0).counter("c").add(3).thenApply(Written::value).toCompletableFuture();
            assertThat(cluster.await(onReplica)).isEqualTo(5);
            cluster.runFor(100);
            assertThat(onView).as("its stage waits in the view's executor").isNotDone();
            assertThat(queued).hasSize(1);
            queued.remove(0).run();
            assertThat(onView).isCompletedWithValue(2L);
            cluster.runFor(1_000);
            assertThat(cluster.get(1).counter("c").value()).as("the view writes to the same replica").isEqualTo(5);
            CompletableFuture<Written<Boolean>> deleted = view.delete(Bytes.of("c")).toCompletableFuture();
            cluster.runFor(100);
            queued.remove(0).run();
            CompletableFuture<Integer> replicated = view.awaitReplicated(deleted.join().seq(), 1, java.time.Duration.ofSeconds(5))
                    .toCompletableFuture();
            cluster.runFor(1_000);
            queued.remove(0).run();
            assertThat(replicated).isCompletedWithValue(1);
            assertThat(cluster.get(1).counter("c").value()).isZero();
            assertThat(queued).isEmpty();
        }
    }

    @Test
    void subscribersSeeLocalAndRemoteChangesCoalesced() {
        try (Cluster cluster = new Cluster(2, 9, EngineConfig.defaults())) {
            List<ChangeEvent> seen = new ArrayList<>();
            cluster.get(1).subscribePrefix(Bytes.of("user:"), seen::add);
            cluster.get(0).map("user:1").increment(Bytes.of("logins"), 1);
            cluster.get(0).map("other").increment(Bytes.of("logins"), 1);
            cluster.runFor(1_000);
            assertThat(seen).extracting(ChangeEvent::key).containsExactly(Bytes.of("user:1"));
            assertThat(seen.get(0).local()).isFalse();
            assertThat(((ORMap) seen.get(0).state()).counter(Bytes.of("logins"))).hasValue(1);
            cluster.get(1).set("user:2").add(Bytes.of("x"));
            cluster.runFor(100);
            assertThat(seen).hasSize(2);
            assertThat(seen.get(1).local()).isTrue();
        }
    }
}
