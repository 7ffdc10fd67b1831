package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.replica.Replica;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A user's own workload under the simulator's faults: a correct use of Converge passes its own
 * check on every seed; a use that relies on coordination Converge does not give (a counter kept
 * by read-modify-write of a register) is caught, shrunk, and replays.
 */
class UserSimulationTest {

    private static final SimConfig CONFIG = SimConfig.defaults().withOps(200).withChaosMillis(15_000).forUserWorkloads();

    /** Shopping carts as sets of items and page views as counters, written from every replica. */
    static final class Carts implements UserWorkload {
        final Map<Integer, String> addedTo = new HashMap<>();
        final Map<Integer, String> removedFrom = new HashMap<>();
        final Map<Integer, String> viewsOf = new HashMap<>();
        final Map<Integer, Long> viewsAdded = new HashMap<>();

        @Override
        public CompletionStage<?> operate(Replica replica, int call, RandomGenerator random) {
            String cart = "cart:" + random.nextInt(3);
            int what = random.nextInt(10);
            if (what < 5) {
                addedTo.put(call, cart);
                return replica.set(cart).add(Bytes.of("item-" + call));
            }
            if (what < 7) {
                List<Bytes> seen = new ArrayList<>(replica.set(cart).elements());
                if (seen.isEmpty()) {
                    return null;
                }
                removedFrom.put(call, cart);
                return replica.set(cart).remove(seen.get(random.nextInt(seen.size())));
            }
            long views = 1 + random.nextInt(3);
            viewsOf.put(call, "views:" + cart);
            viewsAdded.put(call, views);
            return replica.counter("views:" + cart).add(views);
        }

        @Override
        public List<String> check(Replica replica, List<Call> calls) {
            List<String> problems = new ArrayList<>();
            Map<String, Long> acknowledgedViews = new HashMap<>();
            Map<String, Long> unknownViews = new HashMap<>();
            Set<String> removalsMayHaveHit = new HashSet<>();
            for (Call c : calls) {
                if (removedFrom.containsKey(c.call()) && c.status() != Status.FAILED) {
                    removalsMayHaveHit.add(removedFrom.get(c.call()));
                }
            }
            for (Call c : calls) {
                String cart = addedTo.get(c.call());
                Bytes item = Bytes.of("item-" + c.call());
                if (cart != null) {
                    boolean present = replica.set(cart).contains(item);
                    if (c.status() == Status.ACKNOWLEDGED && !present && !removalsMayHaveHit.contains(cart)) {
                        problems.add(cart + " lacks " + item + ", acknowledged and never removed");
                    }
                    if (c.status() == Status.FAILED && present) {
                        problems.add(cart + " holds " + item + ", whose add failed");
                    }
                }
                Long views = viewsAdded.get(c.call());
                if (views != null) {
                    String key = viewsOf.get(c.call());
                    Map<String, Long> sums = c.status() == Status.ACKNOWLEDGED ? acknowledgedViews
                            : c.status() == Status.UNKNOWN ? unknownViews : null;
                    if (sums != null) {
                        sums.merge(key, views, Long::sum);
                    }
                }
            }
            for (int i = 0; i < 3; i++) {
                String cart = "cart:" + i;
                long views = replica.counter("views:" + cart).value();
                long least = acknowledgedViews.getOrDefault("views:" + cart, 0L);
                long most = least + unknownViews.getOrDefault("views:" + cart, 0L);
                if (views < least || views > most) {
                    problems.add("views:" + cart + " is " + views + ", not within the acknowledged " + least + " and " + most
                            + " with every unknown call");
                }
                for (Bytes item : replica.set(cart).elements()) {
                    int call = Integer.parseInt(item.asString().substring("item-".length()));
                    if (!cart.equals(addedTo.get(call))) {
                        problems.add(cart + " holds " + item + ", which no call added to it");
                    }
                }
            }
            return problems;
        }
    }

    /**
     * A counter kept in a last-writer-wins register by read-modify-write: concurrent increments
     * on two replicas (or one cut off by a partition) read the same value, and the later write
     * wins, so increments are lost. Its check expects none lost.
     */
    static final class RegisterAsCounter implements UserWorkload {
        @Override
        public CompletionStage<?> operate(Replica replica, int call, RandomGenerator random) {
            long current = replica.register("total").value().map(v -> Long.parseLong(v.asString())).orElse(0L);
            return replica.register("total").set(Long.toString(current + 1));
        }

        @Override
        public List<String> check(Replica replica, List<Call> calls) {
            long acknowledged = calls.stream().filter(c -> c.status() == Status.ACKNOWLEDGED).count();
            long total = replica.register("total").value().map(v -> Long.parseLong(v.asString())).orElse(0L);
            return total >= acknowledged ? List.of() : List.of("total is " + total + " after " + acknowledged + " acknowledged increments");
        }
    }

    @Test
    void aCorrectUseOfSetsAndCountersPassesItsOwnCheckOnEverySeed() {
        UserSimulation.assertPasses(CONFIG, 1, 40, Carts::new);
    }

    @Test
    void brokenEnginesAreCaughtUnderAUserWorkloadToo() {
        for (Variant broken : List.of(Variant.STORE_LOSES_ACKED_WRITE, Variant.JOIN_DROPS_DOT)) {
            assertThatThrownBy(() -> UserSimulation.assertPasses(CONFIG.withVariant(broken), 1, 100, Carts::new))
                    .as("%s", broken)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageMatching("(?s)seed \\d+ failed \\((SAFETY|LIVENESS)\\).*")
                    .satisfies(e -> System.out.println(broken + ": " + e.getMessage().lines().limit(2).toList()));
        }
    }

    @Test
    void theChecksSeeTheWorkloadsEffects() {
        Carts carts = new Carts();
        SimResult r = UserSimulation.run(CONFIG, 3, carts);
        assertThat(r.passed()).as(r.summary()).isTrue();
        assertThat(r.stats().outcomes().getOrDefault(dev.converge.sim.check.History.Outcome.ACKNOWLEDGED, 0L)).isGreaterThan(50);
        assertThat(carts.addedTo).isNotEmpty();
        assertThat(r.stats().faults()).isNotEmpty();
    }

    @Test
    void aCounterKeptByReadModifyWriteOfARegisterLosesIncrementsAndIsCaught() {
        assertThatThrownBy(() -> UserSimulation.assertPasses(CONFIG, 1, 20, RegisterAsCounter::new))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("failed (SAFETY)")
                .hasMessageContaining("workload check")
                .hasMessageContaining("acknowledged increments")
                .hasMessageContaining("replay:");
    }

    @Test
    void theShrunkScenarioReplaysTheFailure() {
        AssertionError failure = null;
        try {
            UserSimulation.assertPasses(CONFIG, 1, 20, RegisterAsCounter::new);
        } catch (AssertionError e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        String message = failure.getMessage();
        String scenario = message.substring(message.indexOf("unused here):\n") + "unused here):\n".length());
        assertThat(scenario).doesNotContain("./converge sim");
        long calls = scenario.lines().filter(l -> l.startsWith("op ")).count();
        assertThat(calls).as("calls left after shrinking (two concurrent increments suffice)").isLessThanOrEqualTo(10);
        List<String> trace = new ArrayList<>();
        SimResult replay = UserSimulation.replay(scenario, new RegisterAsCounter(), trace::add);
        assertThat(replay.status()).isEqualTo(SimResult.Status.SAFETY);
        assertThat(String.join("\n", trace)).contains("call");
    }

    @Test
    void anAssertionInsideTheWorkloadIsAFindingOfTheRunNotACrashOfTheHarness() {
        UserWorkload asserting = new UserWorkload() {
            @Override
            public CompletionStage<?> operate(Replica replica, int call, RandomGenerator random) {
                if (call == 3) {
                    throw new AssertionError("call 3 asserts");
                }
                return replica.counter("n").add(1);
            }

            @Override
            public List<String> check(Replica replica, List<Call> calls) {
                assertThat(calls.get(2).status()).isEqualTo(Status.FAILED);
                assertThat(calls.get(2).failure()).contains("call 3 asserts");
                throw new AssertionError("the check asserts");
            }
        };
        SimResult r = UserSimulation.run(CONFIG, 5, asserting);
        assertThat(r.status()).isEqualTo(SimResult.Status.SAFETY);
        assertThat(r.violations()).extracting(Object::toString)
                .anyMatch(v -> v.contains("call 3 on n") && v.contains("call 3 asserts"))
                .anyMatch(v -> v.contains("the check asserts"));
    }

    @Test
    void aRunIsAPureFunctionOfItsSeed() {
        SimResult a = UserSimulation.run(CONFIG, 7, new Carts());
        SimResult b = UserSimulation.run(CONFIG, 7, new Carts());
        assertThat(a.traceHash()).isEqualTo(b.traceHash());
        assertThat(UserSimulation.run(CONFIG, 8, new Carts()).traceHash()).isNotEqualTo(a.traceHash());
    }

    @Test
    void aReplayedScenarioThatCanLoseAcknowledgedWritesIsRefused() {
        String wipes = Scenario.generate(SimConfig.defaults(), 1).format();
        assertThatThrownBy(() -> UserSimulation.replay(wipes, new Carts(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forUserWorkloads");
        String safe = Scenario.generate(CONFIG, 1).format();
        String withAWipe = safe + "fault 100 WIPE 0 0 0 1000 0\n";
        assertThatThrownBy(() -> UserSimulation.replay(withAWipe, new Carts(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forUserWorkloads");
        assertThat(UserSimulation.replay(safe, new Carts(), null).passed()).isTrue();
    }

    @Test
    void configurationsThatLoseAcknowledgedWritesByDesignAreRefused() {
        assertThatThrownBy(() -> UserSimulation.run(SimConfig.defaults(), 1, new Carts()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forUserWorkloads");
        assertThat(CONFIG.faults()).doesNotContain(FaultKind.WIPE, FaultKind.REMOVE_RETIRED).contains(FaultKind.POWER_LOSS);
    }
}
