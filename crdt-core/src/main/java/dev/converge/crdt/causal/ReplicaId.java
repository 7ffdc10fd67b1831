package dev.converge.crdt.causal;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * The identity of one replica: a non-zero 64-bit number, chosen at random when a replica is
 * first created and never reused.
 *
 * <p>Random 64-bit ids need no coordination, which an offline-first replica cannot have; the
 * chance that two of a million replicas collide is below 10<sup>-7</sup>. Ids order as unsigned
 * numbers, the order of every canonical encoding, and print as 16 hex digits.
 */
public final class ReplicaId implements Comparable<ReplicaId> {

    private final long value;

    private ReplicaId(long value) {
        this.value = value;
    }

    /** The replica with id {@code value}; zero is reserved and refused. */
    public static ReplicaId of(long value) {
        if (value == 0) {
            throw new IllegalArgumentException("replica id 0 is reserved");
        }
        return new ReplicaId(value);
    }

    /** A fresh id drawn from {@code random} (the caller decides where randomness comes from). */
    public static ReplicaId random(RandomGenerator random) {
        long value;
        do {
            value = random.nextLong();
        } while (value == 0);
        return new ReplicaId(value);
    }

    /** Parses the 16-hex-digit form printed by {@link #toString()}. */
    public static ReplicaId parse(String hex) {
        if (hex.length() != 16) {
            throw new IllegalArgumentException("a replica id is 16 hex digits, got '" + hex + "'");
        }
        try {
            return of(HexFormat.fromHexDigitsToLong(hex));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a replica id is 16 hex digits, got '" + hex + "'", e);
        }
    }

    public long value() {
        return value;
    }

    @Override
    public int compareTo(ReplicaId other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplicaId other && other.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(value);
    }
}
