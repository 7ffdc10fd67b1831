package dev.converge.bench.pekko;

import com.typesafe.config.ConfigFactory;
import dev.converge.bench.crdt.Fixtures;
import dev.converge.crdt.causal.ReplicaId;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * The data sets of {@link Fixtures} built again on Pekko Distributed Data: the same element
 * strings, added in the same order by the same three writers.
 */
final class PekkoFixtures {

    /** The actor system's name; decoded addresses carry it, so it must match the writers' addresses. */
    private static final String SYSTEM = "bench";

    static final SelfUniqueAddress A = node(1, Fixtures.A);
    static final SelfUniqueAddress B = node(2, Fixtures.B);
    static final SelfUniqueAddress C = node(3, Fixtures.C);
    static final List<SelfUniqueAddress> WRITERS = List.of(A, B, C);

    private PekkoFixtures() {
    }

    /**
     * A cluster node at {@code 10.0.0.<host>} on Pekko's default port, with Converge's replica id as
     * its 64-bit uid. Pekko writes the host name into every dot, so a short numeric address keeps
     * its encoding as small as a real cluster's can be.
     */
    static SelfUniqueAddress node(int host, ReplicaId id) {
        return new SelfUniqueAddress(new UniqueAddress(new Address("pekko", SYSTEM, "10.0.0." + host, 7355), id.value()));
    }

    /**
     * {@code "elem-from".."elem-(to-1)"} added round-robin by the three writers to {@code base}. The
     * result's accumulated delta is reset, as Pekko's replicator does after every update.
     */
    static ORSet<String> addElements(ORSet<String> base, int from, int to) {
        ORSet<String> set = base;
        for (int i = from; i < to; i++) {
            set = set.add(WRITERS.get(i % 3), "elem-" + i);
        }
        return set.resetDelta();
    }

    /** A set of {@code "elem-0".."elem-(n-1)"} written by three replicas. */
    static ORSet<String> set(int n) {
        return addElements(ORSet.create(), 0, n);
    }

    /** The shape of {@link Fixtures#divergedPair()}: 9,950 shared elements, then 50 unique per side. */
    static Pair divergedPair() {
        ORSet<String> shared = set(9_950);
        ORSet<String> left = shared;
        ORSet<String> right = shared;
        for (int i = 0; i < 50; i++) {
            left = left.add(A, "left-" + i);
            right = right.add(B, "right-" + i);
        }
        return new Pair(left.resetDelta(), right.resetDelta());
    }

    record Pair(ORSet<String> left, ORSet<String> right) {
    }

    /**
     * A local actor system. Only Pekko's serializer needs one (to resolve its settings); the data
     * types themselves run without any.
     */
    static ExtendedActorSystem localSystem() {
        return (ExtendedActorSystem) ActorSystem.create(SYSTEM, ConfigFactory
                .parseString("pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    }

    static void terminate(ActorSystem system) {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
    }

    /**
     * Fails the setup when a workload does not compute the expected result on both sides, so a
     * ratio never compares different work (or a Pekko fast path that skipped it).
     */
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("setup check failed: " + what);
        }
    }
}
