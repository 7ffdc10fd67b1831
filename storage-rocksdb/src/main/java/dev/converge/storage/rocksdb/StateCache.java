package dev.converge.storage.rocksdb;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.converge.crdt.Crdt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Decoded document states: a Caffeine cache bounded by estimated bytes, and the states of
 * commits not yet written to RocksDB.
 *
 * <p>Read-your-writes across eviction: a commit puts its state both in the cache and in
 * {@code inflight}; the group writer removes it from {@code inflight} only after RocksDB has
 * it. A state evicted before it is written is therefore still found in memory, and one evicted
 * after is found on disk.
 *
 * <p>A reader that missed loads from disk without holding the commit lock; a commit may land
 * meanwhile, and caching the stale load would hide it from every later read, including the
 * engine's read before its next update. Each stripe of keys ({@link #STRIPES}, by key hash) has
 * a seqlock stamp: a commit makes it odd, publishes its state to both maps, and makes it even
 * again. A reader notes an even stamp before it looks in memory and loads; it caches the load
 * only if the stamp is still that value, checked atomically with the insert. A commit that
 * published before the note is seen in memory (or, once written, on disk); one that started
 * after it changes the stamp. Both halves matter: with only a bump before publishing, a reader
 * could note the new stamp, miss the state not yet published, and cache the old one once the
 * cache had already evicted the new.
 */
final class StateCache {

    private static final int STRIPES = 1024;

    /**
     * A decoded state and its estimated heap bytes.
     *
     * @param measured the weight when it was last measured rather than carried forward (see {@link Weights})
     */
    record Entry(Crdt<?> state, int weight, int measured) {
    }

    private final Cache<Key, Entry> cache;
    private final ConcurrentHashMap<Key, Entry> inflight = new ConcurrentHashMap<>();
    private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);

    StateCache(long maxBytes) {
        cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, Entry e) -> (int) Math.min(Integer.MAX_VALUE, (long) e.weight() + k.bytes.length() + 64))
                // Maintenance on the calling thread: no pool threads, eviction is prompt.
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /**
     * The newest state in memory, or null. Looks in {@code inflight} first, as a commit publishes
     * there first: looking in the cache first, a reader could miss there, find a commit's state
     * in {@code inflight}, and on its next read find an older state in the cache (cached by a
     * load that finished just before the commit began, not yet replaced by the commit's own put)
     * — a read going back. This way a state found in {@code inflight} stays there until written,
     * after the commit's put, past which no older state can be cached.
     */
    Entry get(Key key) {
        Entry e = inflight.get(key);
        return e != null ? e : cache.getIfPresent(key);
    }

    /** Records a committed state; called under the commit lock, in commit order. */
    void committed(Key key, Entry e) {
        int stripe = stripe(key);
        stamps.incrementAndGet(stripe);
        inflight.put(key, e);
        cache.put(key, e);
        stamps.incrementAndGet(stripe);
    }

    /** Whether a commit to a key of {@code stamp}'s stripe was publishing when it was read. */
    static boolean publishing(long stamp) {
        return (stamp & 1) != 0;
    }

    /** The writer has written {@code e}; forgets it unless a newer commit replaced it. */
    void written(Key key, Entry e) {
        // By identity: a newer commit's entry may be equal to this one and is not written yet.
        inflight.computeIfPresent(key, (k, current) -> current == e ? null : current);
    }

    long stamp(Key key) {
        return stamps.get(stripe(key));
    }

    /**
     * Caches {@code loaded} if no commit touched the key's stripe since {@code stamp} (even) was read.
     *
     * @return the state now cached for the key (the loaded one or a newer committed one), or
     *     null when the load may be stale and was dropped
     */
    Entry install(Key key, Entry loaded, long stamp) {
        int stripe = stripe(key);
        return cache.asMap().compute(key, (k, current) -> current != null ? current : stamps.get(stripe) == stamp ? loaded : null);
    }

    /** Caches a state read from disk under the commit lock, when no commit can race it. */
    void putLoaded(Key key, Entry e) {
        cache.put(key, e);
    }

    CacheStats stats() {
        return cache.stats();
    }

    long estimatedBytes() {
        return cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
    }

    private static int stripe(Key key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }
}
