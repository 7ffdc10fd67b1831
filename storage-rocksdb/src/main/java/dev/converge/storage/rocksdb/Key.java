package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;

/**
 * A document key with its hash computed once. Every in-memory map of the store is keyed by it:
 * a commit looks its key up a dozen times (cache, in-flight states, seqlock stripe, dirty set,
 * fold accounting, and Caffeine's frequency sketch), and {@link Bytes} recomputes its hash on
 * each call; profiles of small updates showed that hashing at several percent of the time.
 */
final class Key {

    final Bytes bytes;
    private final int hash;

    Key(Bytes bytes) {
        this.bytes = bytes;
        this.hash = bytes.hashCode();
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && k.bytes.equals(bytes);
    }

    @Override
    public String toString() {
        return bytes.toString();
    }
}
