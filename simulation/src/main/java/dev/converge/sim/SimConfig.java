package dev.converge.sim;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What to simulate, independent of the seed: cluster size, workload size, the chaos window, the
 * convergence bound, which fault kinds a seed may draw, and the system under test.
 *
 * @param nodes replica slots (a wiped node comes back in its slot under a new id)
 * @param ops client operations during the chaos phase
 * @param keys documents the workload writes, spread over every type
 * @param chaosMillis virtual length of the chaos phase
 * @param boundRounds after the heal, every live replica must hold the same states within this many gossip rounds
 * @param faults the fault kinds seeds may enable (each seed draws a subset)
 * @param durability the store mode, or empty to let each seed draw one
 * @param gossipIntervalMillis the engine's gossip round
 * @param variant the engine as built, or a deliberately broken variant
 */
public record SimConfig(int nodes, int ops, int keys, long chaosMillis, int boundRounds, Set<FaultKind> faults,
                        Optional<SimStore.Durability> durability, long gossipIntervalMillis, Variant variant) {

    /** Longest chaos phase accepted: a limit on a run's memory and time. */
    public static final long MAX_CHAOS_MILLIS = 3_600_000;

    public SimConfig {
        faults = faults.isEmpty() ? EnumSet.noneOf(FaultKind.class) : EnumSet.copyOf(faults);
        if (nodes < 1 || nodes > 64) {
            throw new IllegalArgumentException("nodes must be 1..64, got " + nodes);
        }
        if (ops < 0 || keys < 1 || chaosMillis < 1_000 || chaosMillis > MAX_CHAOS_MILLIS || boundRounds < 1
                || gossipIntervalMillis < 1) {
            throw new IllegalArgumentException("invalid simulation: ops " + ops + ", keys " + keys + ", chaos " + chaosMillis
                    + " ms, bound " + boundRounds + " rounds, gossip " + gossipIntervalMillis + " ms");
        }
        if (durability == null || variant == null) {
            throw new IllegalArgumentException("durability (empty for per-seed) and variant are required");
        }
    }

    /** 5 nodes, 500 operations on 24 keys over 30 s of chaos with every fault kind, converging within 100 rounds. */
    public static SimConfig defaults() {
        return new SimConfig(5, 500, 24, 30_000, 100, EnumSet.allOf(FaultKind.class), Optional.empty(), 200, Variant.REAL);
    }

    public SimConfig withNodes(int n) {
        return new SimConfig(n, ops, keys, chaosMillis, boundRounds, faults, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withOps(int n) {
        return new SimConfig(nodes, n, keys, chaosMillis, boundRounds, faults, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withKeys(int n) {
        return new SimConfig(nodes, ops, n, chaosMillis, boundRounds, faults, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withChaosMillis(long millis) {
        return new SimConfig(nodes, ops, keys, millis, boundRounds, faults, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withBoundRounds(int rounds) {
        return new SimConfig(nodes, ops, keys, chaosMillis, rounds, faults, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withFaults(Set<FaultKind> kinds) {
        return new SimConfig(nodes, ops, keys, chaosMillis, boundRounds, kinds, durability, gossipIntervalMillis, variant);
    }

    public SimConfig withDurability(Optional<SimStore.Durability> mode) {
        return new SimConfig(nodes, ops, keys, chaosMillis, boundRounds, faults, mode, gossipIntervalMillis, variant);
    }

    public SimConfig withVariant(Variant v) {
        return new SimConfig(nodes, ops, keys, chaosMillis, boundRounds, faults, durability, gossipIntervalMillis, v);
    }

    /**
     * This configuration as a {@link UserWorkload} needs it: synchronous durability, so an
     * acknowledged write survives every crash, and without the faults that destroy acknowledged
     * writes by design ({@link FaultKind#WIPE}, and {@link FaultKind#REMOVE_RETIRED}, which only
     * acts on the ids wipes retire).
     */
    public SimConfig forUserWorkloads() {
        Set<FaultKind> kept = EnumSet.noneOf(FaultKind.class);
        kept.addAll(faults);
        kept.removeAll(USER_EXCLUDED_FAULTS);
        return withFaults(kept).withDurability(Optional.of(SimStore.Durability.SYNC));
    }

    /** Whether {@link UserWorkload}s can run under this configuration: see {@link #forUserWorkloads()}. */
    boolean keepsAcknowledgedWrites() {
        return durability.equals(Optional.of(SimStore.Durability.SYNC)) && faults.stream().noneMatch(USER_EXCLUDED_FAULTS::contains);
    }

    private static final Set<FaultKind> USER_EXCLUDED_FAULTS = EnumSet.of(FaultKind.WIPE, FaultKind.REMOVE_RETIRED);

    public SimConfig withGossipIntervalMillis(long millis) {
        return new SimConfig(nodes, ops, keys, chaosMillis, boundRounds, faults, durability, millis, variant);
    }
}
