package dev.converge.crdt.sync;

/**
 * A range of the 64-bit key-hash space: every hash whose top {@code bits} bits equal those of
 * {@code prefix}. {@code bits = 0} is the whole space; a node of the anti-entropy hash tree.
 */
public record KeyHashRange(long prefix, int bits) {

    public static final KeyHashRange ALL = new KeyHashRange(0, 0);

    public KeyHashRange {
        if (bits < 0 || bits > 64) {
            throw new IllegalArgumentException("a hash range has 0..64 prefix bits, got " + bits);
        }
        if (bits < 64 && (prefix & (bits == 0 ? -1L : -1L >>> bits)) != 0) {
            throw new IllegalArgumentException("prefix " + Long.toHexString(prefix) + " has bits set below its " + bits + "-bit prefix");
        }
    }

    public boolean contains(long hash) {
        return (hash & mask()) == prefix;
    }

    /** The top {@code bits} bits set. (Java shifts by {@code n mod 64}, so 0 and 64 bits are spelled out.) */
    private long mask() {
        return bits == 0 ? 0 : bits == 64 ? -1L : -1L << (64 - bits);
    }

    /** The two halves of this range, one bit longer. */
    public KeyHashRange[] split() {
        if (bits == 64) {
            throw new IllegalStateException("a 64-bit range cannot be split");
        }
        return new KeyHashRange[] {new KeyHashRange(prefix, bits + 1), new KeyHashRange(prefix | (1L << (63 - bits)), bits + 1)};
    }
}
