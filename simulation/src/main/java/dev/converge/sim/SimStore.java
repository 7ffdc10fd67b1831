package dev.converge.sim;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.StorageException;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.replica.store.MemoryDocumentStore;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;

/**
 * A {@link DocumentStore} in memory over a {@link SimDisk}, with the durability semantics of a
 * real store: commits are visible to reads at once, written to the log in groups by a writer
 * (a task on the simulator's queue), and acknowledged — their futures completed — when durable
 * as the {@link Durability} mode promises. It passes the storage contract test.
 *
 * <p>The log is a sequence of records {@code [length u32][crc32c u32][payload]}: a header naming
 * the replica, then one record per commit (its changes' deltas, acks, clock high-water mark,
 * with the writing process's epoch) and per truncation (and, after a change of replica id, a base
 * record first: the documents, numbering and clock carried over). Opening a store replays the log; the
 * first record whose length or checksum does not hold ends it (a torn write after a power loss)
 * and is cut off, so later appends follow valid records and a torn record is never read as data.
 * States are rebuilt by joining the logged deltas (a state is the join of its deltas).
 *
 * <p>Recovery keeps the store's replica id, with one exception, the rule the real store follows:
 * a {@link Durability#BUFFERED} store reopening after an unclean shutdown on a new boot of its
 * machine (a power loss or an OS crash, which may have taken acknowledged writes from the tail of
 * the log) comes back under a new replica id ({@link #formatRecovered}): it keeps its recovered
 * documents, its sequence numbering and its clock high-water mark, on an empty delta log with no
 * acknowledgements. So it never issues a dot, counter value or sequence number twice, and its
 * peers catch it up, sending back the writes it lost as they would to any other replica. A
 * process crash on the same boot loses no written byte (the page cache keeps them) and keeps the
 * id, as does any restart of a {@link Durability#SYNC} store. A store does not see boots: the
 * {@link Simulation} applies the rule when it restarts a node after a power loss.
 *
 * <p>Thread-safe through one lock, as the port requires; the simulator uses it from one thread.
 */
public final class SimStore implements DocumentStore {

    /** When a commit counts as durable and its future completes. */
    public enum Durability {
        /** After the group's fsync: nothing acknowledged is lost by a power loss. */
        SYNC,
        /** After the group's write to the log, before any fsync: a power loss may lose the last acknowledged groups. */
        BUFFERED
    }

    /** Deliberate defects, to prove the oracle catches what a broken store or engine would do. */
    public enum Bug {
        NONE,
        /** Merging a remote delta into a set drops one of its new dots (an element it added), as a faulty join would. */
        JOIN_DROPS_DOT,
        /** On reopening, the changes of the last fsynced (so acknowledged) local write are skipped. */
        LOSES_ACKED_WRITE,
        /** A local write of several keys keeps all but the last, and is acknowledged whole, as a faulty multi-key path would. */
        MULTI_KEY_WRITE_DROPS_A_KEY
    }

    /** Runs the store's writer: {@code task} after {@code delayMillis}. */
    @FunctionalInterface
    public interface Io {
        void after(long delayMillis, Runnable task);
    }

    /** An {@link Io} that writes and syncs at once, inside {@code commit}: for standalone use and tests. */
    public static final Io IMMEDIATE = (delay, task) -> task.run();

    /** Sees every commit as it is submitted, with the epoch of the process that wrote it. */
    @FunctionalInterface
    public interface Observer {
        /** @param seq the commit's sequence number, or 0 for a metadata-only commit */
        void onCommit(long epoch, long seq, Commit commit);
    }

    /**
     * How the store behaves.
     *
     * @param maxGroupDelayMillis a group is written up to this long (drawn uniformly) after its first commit
     * @param fsyncMillis how long an fsync takes (SYNC mode acknowledges after it)
     */
    public record Options(Durability durability, long maxGroupDelayMillis, long fsyncMillis, Bug bug) {

        public Options {
            if (durability == null || bug == null || maxGroupDelayMillis < 0 || fsyncMillis < 0) {
                throw new IllegalArgumentException("invalid store options: " + durability + ", " + maxGroupDelayMillis + ", "
                        + fsyncMillis + ", " + bug);
            }
        }

        /** Synchronous durability, writes without delay, no bug: the store for a contract test. */
        public static Options immediate(Durability durability) {
            return new Options(durability, 0, 0, Bug.NONE);
        }
    }

    /**
     * What opening the store found in the log.
     *
     * @param records valid records replayed
     * @param tornBytes bytes after the last valid record, cut off (0 after a clean stop)
     * @param lastSeqByEpoch for each writer epoch, the highest sequence number of its commits that survived
     */
    public record Recovery(int records, int tornBytes, Map<Long, Long> lastSeqByEpoch) {

        public Recovery {
            lastSeqByEpoch = Map.copyOf(lastSeqByEpoch);
        }

        /** Whether the commit {@code seq} written by process {@code epoch} is in the log. */
        public boolean survived(long epoch, long seq) {
            Long last = lastSeqByEpoch.get(epoch);
            return last != null && seq <= last;
        }
    }

    private static final int HEADER = 0;
    private static final int COMMIT = 1;
    private static final int TRUNCATE = 2;
    private static final int BASE = 3;
    private static final int FORGET_ACKS = 4;
    private static final int MAGIC = 0x43534C47; // "CSLG"
    private static final int MAX_RECORD_BYTES = 64 << 20;

    /** A key with its hash, in the port's hash order: unsigned key hash, then key. */
    private record HashedKey(long hash, Bytes key) {
        static final Comparator<HashedKey> ORDER = Comparator.<HashedKey>comparingLong(k -> k.hash ^ Long.MIN_VALUE)
                .thenComparing(HashedKey::key);
    }

    private record Pending(byte[] record, CompletableFuture<Long> future, long seq) {
    }

    private final SimDisk disk;
    private final ReplicaId replicaId;
    private final long epoch;
    private final Options options;
    private final Io io;
    private final RandomGenerator random;
    private final Observer observer;
    private Recovery recovery;
    private final NavigableMap<Bytes, Crdt<?>> documents = new TreeMap<>();
    private final NavigableMap<HashedKey, Bytes> byHash = new TreeMap<>(HashedKey.ORDER);
    private final Map<Bytes, Long> documentHashes = new HashMap<>();
    private final NavigableMap<Long, DeltaLogEntry> log = new TreeMap<>();
    private final Map<ReplicaId, Long> acks = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private HybridTimestamp clockHighWater;
    private long lastSeq;
    /** Every commit through this sequence number is as durable as the mode promises (its future completed). */
    private long durableSeq;
    private long firstRetained = 1;
    private boolean writeScheduled;
    private long remoteSetMerges;
    private boolean closed;

    private SimStore(SimDisk disk, ReplicaId replicaId, long epoch, Options options, Io io, RandomGenerator random,
                     Observer observer) {
        this.disk = disk;
        this.replicaId = replicaId;
        this.epoch = epoch;
        this.options = options;
        this.io = io;
        this.random = random;
        this.observer = observer;
    }

    /** Formats {@code disk} (which must be empty) for replica {@code id}: the header is written and fsynced. */
    public static void format(SimDisk disk, ReplicaId id) {
        if (disk.length() != 0) {
            throw new IllegalStateException("the disk is not empty (" + disk.length() + " bytes)");
        }
        disk.append(frame(payload(out -> {
            out.writeByte(HEADER);
            out.writeInt(MAGIC);
            out.writeLong(id.value());
        })));
        disk.fsync();
    }

    /**
     * The store's recovery rule, for a buffered store reopening after an unclean shutdown on a new
     * boot: formats {@code disk} (which must be empty) for the new replica {@code id} with what
     * {@code recovered} holds — its documents, its sequence numbering (the next commit follows its
     * last sequence number, so none is issued twice) and its clock high-water mark — but an empty
     * delta log whose head follows that number (a peer reading it from the start is told it was
     * truncated, and catches up by digest) and no acks. Written and fsynced before the store
     * serves, as the real store writes its new identity in one synced batch.
     */
    public static void formatRecovered(SimDisk disk, ReplicaId id, SimStore recovered) {
        format(disk, id);
        Map<Bytes, Crdt<?>> documents = recovered.snapshot();
        long last = recovered.lastSeq();
        Optional<HybridTimestamp> clock = recovered.clockHighWater();
        disk.append(frame(payload(out -> {
            out.writeByte(BASE);
            out.writeLong(last);
            writeClock(out, clock);
            out.writeInt(documents.size());
            for (Map.Entry<Bytes, Crdt<?>> e : documents.entrySet()) {
                byte[] key = e.getKey().toByteArray();
                out.writeInt(key.length);
                out.write(key);
                byte[] state = CrdtCodec.encode(e.getValue());
                out.writeInt(state.length);
                out.write(state);
            }
        })));
        disk.fsync();
    }

    /** A formatted, empty store for {@code id} on a new disk, writing at once: for standalone use and contract tests. */
    public static SimStore inMemory(ReplicaId id, Durability durability) {
        SimDisk disk = new SimDisk();
        format(disk, id);
        return open(disk, 1, Options.immediate(durability), IMMEDIATE, null, null);
    }

    /**
     * Opens the store on {@code disk} by replaying its log.
     *
     * @param epoch the opening process's number, recorded with each commit so a recovery can say whose writes survived
     * @param random draws group delays (may be null when {@code maxGroupDelayMillis} is 0)
     * @param observer sees each commit as it is submitted (may be null)
     * @throws StorageException when the disk holds no valid header
     */
    public static SimStore open(SimDisk disk, long epoch, Options options, Io io, RandomGenerator random, Observer observer) {
        byte[] bytes = disk.contents();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        List<ByteBuffer> payloads = new ArrayList<>();
        int position = 0;
        while (bytes.length - position >= 8) {
            int length = buffer.getInt(position);
            int crc = buffer.getInt(position + 4);
            if (length < 1 || length > MAX_RECORD_BYTES || length > bytes.length - position - 8) {
                break;
            }
            CRC32C check = new CRC32C();
            check.update(bytes, position + 8, length);
            if ((int) check.getValue() != crc) {
                break;
            }
            payloads.add(ByteBuffer.wrap(bytes, position + 8, length).slice());
            position += 8 + length;
        }
        int torn = bytes.length - position;
        if (torn > 0) {
            disk.truncate(position);
        }
        if (payloads.isEmpty()) {
            throw new StorageException("open: the disk holds no store header");
        }
        ByteBuffer header = payloads.get(0);
        if (header.get() != HEADER || header.getInt() != MAGIC) {
            throw new StorageException("open: the first record is not a store header");
        }
        ReplicaId id = ReplicaId.of(header.getLong());
        Map<Long, Long> lastSeqByEpoch = new HashMap<>();
        SimStore store = new SimStore(disk, id, epoch, options, io, random, observer);
        List<ByteBuffer> commits = payloads.subList(1, payloads.size());
        int skip = options.bug() == Bug.LOSES_ACKED_WRITE ? lastDurableLocalWrite(commits, disk.durableLength(), id) : -1;
        for (int i = 0; i < commits.size(); i++) {
            store.replay(commits.get(i), lastSeqByEpoch, i == skip);
        }
        store.recovery = new Recovery(payloads.size(), torn, lastSeqByEpoch);
        // Everything recovered is served (peers may acknowledge any of it), so it is made durable
        // first, as the RocksDB store's open ends with a synced write.
        disk.fsync();
        store.durableSeq = store.lastSeq;
        return store;
    }

    /** The index among {@code commits} of the last local write lying wholly in the durable prefix, or -1. */
    private static int lastDurableLocalWrite(List<ByteBuffer> commits, int durableLength, ReplicaId id) {
        int found = -1;
        for (int i = 0; i < commits.size(); i++) {
            ByteBuffer b = commits.get(i).duplicate();
            int end = b.arrayOffset() + b.limit();
            if (end > durableLength || b.get() != COMMIT) {
                continue;
            }
            b.getLong(); // epoch
            long seq = b.getLong();
            long origin = b.getLong();
            if (seq > 0 && origin == id.value()) {
                found = i;
            }
        }
        return found;
    }

    private void replay(ByteBuffer in, Map<Long, Long> lastSeqByEpoch, boolean dropChanges) {
        int kind = in.get();
        if (kind == TRUNCATE) {
            truncateInMemory(in.getLong());
            return;
        }
        if (kind == BASE) {
            replayBase(in);
            return;
        }
        if (kind == FORGET_ACKS) {
            int n = in.getInt();
            for (int i = 0; i < n; i++) {
                acks.remove(ReplicaId.of(in.getLong()));
            }
            return;
        }
        if (kind != COMMIT) {
            throw new StorageException("open: unknown record kind " + kind);
        }
        long writer = in.getLong();
        long seq = in.getLong();
        ReplicaId origin = ReplicaId.of(in.getLong());
        int changes = in.getInt();
        List<Document> deltas = new ArrayList<>(changes);
        for (int i = 0; i < changes; i++) {
            Bytes key = Bytes.wrap(bytesOf(in));
            byte[] encoded = bytesOf(in);
            try {
                deltas.add(new Document(key, CrdtCodec.decode(encoded)));
            } catch (CodecException e) {
                throw new StorageException("open: a checksummed record holds an undecodable delta for key '" + key + "'", e);
            }
        }
        int ackCount = in.getInt();
        for (int i = 0; i < ackCount; i++) {
            acks.merge(ReplicaId.of(in.getLong()), in.getLong(), Math::max);
        }
        if (in.get() == 1) {
            clockHighWater = new HybridTimestamp(in.getLong(), in.getInt(), ReplicaId.of(in.getLong()));
        }
        if (seq == 0) {
            return;
        }
        if (seq != lastSeq + 1) {
            throw new StorageException("open: commit " + seq + " follows " + lastSeq);
        }
        lastSeq = seq;
        lastSeqByEpoch.merge(writer, seq, Math::max);
        if (dropChanges) {
            log.put(seq, new DeltaLogEntry(seq, origin, List.of()));
            return;
        }
        for (Document d : deltas) {
            Crdt<?> current = documents.get(d.key());
            put(d.key(), Crdt.joinAny(current == null ? d.value().type().bottom() : current, d.value()));
        }
        log.put(seq, new DeltaLogEntry(seq, origin, deltas));
    }

    /** The record {@link #formatRecovered} writes: documents without log entries, the numbering and the clock. */
    private void replayBase(ByteBuffer in) {
        long last = in.getLong();
        if (in.get() == 1) {
            clockHighWater = new HybridTimestamp(in.getLong(), in.getInt(), ReplicaId.of(in.getLong()));
        }
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
            Bytes key = Bytes.wrap(bytesOf(in));
            try {
                put(key, CrdtCodec.decode(bytesOf(in)));
            } catch (CodecException e) {
                throw new StorageException("open: a checksummed record holds an undecodable state for key '" + key + "'", e);
            }
        }
        lastSeq = last;
        firstRetained = last + 1;
    }

    private static byte[] bytesOf(ByteBuffer in) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return b;
    }

    // ------------------------------------------------------------------ the port

    @Override
    public ReplicaId replicaId() {
        return replicaId;
    }

    /** What opening found in the log. */
    public Recovery recovery() {
        return recovery;
    }

    public SimDisk disk() {
        return disk;
    }

    /** Commits submitted but not yet written to the log: what a process crash loses. */
    public synchronized int unwrittenCommits() {
        return pending.size();
    }

    @Override
    public synchronized Optional<Crdt<?>> read(Bytes key) {
        checkOpen("read");
        return Optional.ofNullable(documents.get(key));
    }

    @Override
    public synchronized CompletionStage<Long> commit(Commit given) {
        checkOpen("commit");
        Commit commit = given;
        if (options.bug() == Bug.MULTI_KEY_WRITE_DROPS_A_KEY && given.origin().equals(replicaId) && given.changes().size() > 1) {
            commit = new Commit(given.origin(), given.changes().subList(0, given.changes().size() - 1), given.acks(),
                    given.clockHighWater());
        }
        for (Change c : commit.changes()) {
            Crdt<?> existing = documents.get(c.key());
            if (!c.follows(existing)) {
                return CompletableFuture.failedFuture(new StorageException("commit: key '" + c.key() + "' holds "
                        + existing.type() + ", not " + c.state().type()));
            }
        }
        long seq = 0;
        if (!commit.changes().isEmpty()) {
            seq = ++lastSeq;
            List<Document> deltas = new ArrayList<>(commit.changes().size());
            for (Change c : commit.changes()) {
                put(c.key(), maybeBreak(commit.origin(), c));
                deltas.add(new Document(c.key(), c.delta()));
            }
            log.put(seq, new DeltaLogEntry(seq, commit.origin(), deltas));
        }
        commit.acks().forEach((peer, acked) -> acks.merge(peer, acked, Math::max));
        commit.clockHighWater().ifPresent(ts -> clockHighWater = ts);
        if (observer != null) {
            observer.onCommit(epoch, seq, commit);
        }
        CompletableFuture<Long> future = new CompletableFuture<>();
        pending.add(new Pending(record(epoch, seq, commit), future, seq == 0 ? lastSeq : seq));
        if (!writeScheduled) {
            writeScheduled = true;
            long delay = options.maxGroupDelayMillis() == 0 ? 0 : random.nextLong(options.maxGroupDelayMillis() + 1);
            io.after(delay, this::writeGroup);
        }
        return future;
    }

    /** The state to keep for change {@code c}: as given, unless the JOIN_DROPS_DOT defect strikes. */
    private Crdt<?> maybeBreak(ReplicaId origin, Change c) {
        if (options.bug() != Bug.JOIN_DROPS_DOT || origin.equals(replicaId) || !(c.delta() instanceof ORSet delta)
                || !(c.state() instanceof ORSet state)) {
            return c.state();
        }
        for (Bytes element : delta.elements()) {
            if (state.contains(element) && remoteSetMerges++ % 3 == 0) {
                return state.remove(element).state();
            }
        }
        return c.state();
    }

    /** The writer: appends the pending group to the log, then acknowledges as the durability mode says. */
    private synchronized void writeGroup() {
        writeScheduled = false;
        if (closed || pending.isEmpty()) {
            return;
        }
        List<Pending> group = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : group) {
            disk.append(p.record());
        }
        if (options.durability() == Durability.BUFFERED) {
            complete(group);
        } else {
            int position = disk.length();
            io.after(options.fsyncMillis(), () -> {
                disk.fsyncTo(position);
                complete(group);
            });
        }
    }

    private synchronized void complete(List<Pending> group) {
        for (Pending p : group) {
            durableSeq = Math.max(durableSeq, p.seq());
            p.future().complete(p.seq());
        }
    }

    @Override
    public synchronized long lastSeq() {
        checkOpen("lastSeq");
        return lastSeq;
    }

    @Override
    public synchronized Optional<HybridTimestamp> clockHighWater() {
        checkOpen("clockHighWater");
        return Optional.ofNullable(clockHighWater);
    }

    @Override
    public synchronized Map<ReplicaId, Long> acks() {
        checkOpen("acks");
        // Sorted, not Map.copyOf: an immutable map's iteration order is salted per JVM, and the
        // engine iterates this map when it starts, so the order must not depend on the JVM.
        return Collections.unmodifiableMap(new TreeMap<>(acks));
    }

    @Override
    public synchronized DeltaLogSlice readDeltaLog(long afterSeq, int maxBytes) {
        checkOpen("readDeltaLog");
        // As the RocksDB store, which waits for them: only entries a crash cannot take back. A peer
        // may acknowledge what it was sent; an entry lost after it was sent would give its sequence
        // number and its dots to another write.
        NavigableMap<Long, DeltaLogEntry> durable = afterSeq < durableSeq ? log.headMap(durableSeq, true) : Collections.emptyNavigableMap();
        return MemoryDocumentStore.slice(durable, afterSeq, maxBytes, firstRetained);
    }

    /** A record like a truncation's: no fsync of its own (losing it only keeps the acknowledgements longer). */
    @Override
    public synchronized void forgetAcks(Set<ReplicaId> peers) {
        checkOpen("forgetAcks");
        List<ReplicaId> known = new ArrayList<>();
        for (ReplicaId peer : new TreeSet<>(peers)) {
            if (acks.remove(peer) != null) {
                known.add(peer);
            }
        }
        if (known.isEmpty()) {
            return;
        }
        byte[] record = frame(payload(out -> {
            out.writeByte(FORGET_ACKS);
            out.writeInt(known.size());
            for (ReplicaId peer : known) {
                out.writeLong(peer.value());
            }
        }));
        pending.add(new Pending(record, new CompletableFuture<>(), lastSeq));
        if (!writeScheduled) {
            writeScheduled = true;
            io.after(0, this::writeGroup);
        }
    }

    @Override
    public synchronized void truncateDeltaLog(long throughSeq) {
        checkOpen("truncateDeltaLog");
        long through = Math.min(throughSeq, lastSeq);
        if (through < firstRetained) {
            return;
        }
        truncateInMemory(through);
        // A truncation is a write like any other; it needs no fsync of its own (losing it only keeps entries longer).
        byte[] record = frame(payload(out -> {
            out.writeByte(TRUNCATE);
            out.writeLong(through);
        }));
        pending.add(new Pending(record, new CompletableFuture<>(), lastSeq));
        if (!writeScheduled) {
            writeScheduled = true;
            io.after(0, this::writeGroup);
        }
    }

    private void truncateInMemory(long through) {
        log.headMap(through, true).clear();
        firstRetained = Math.max(firstRetained, through + 1);
    }

    @Override
    public synchronized long documentCount() {
        checkOpen("documentCount");
        return documents.size();
    }

    @Override
    public synchronized List<Bytes> keys(Bytes fromInclusive, Bytes toExclusive, int limit) {
        checkOpen("keys");
        NavigableMap<Bytes, Crdt<?>> range = documents;
        if (fromInclusive != null) {
            range = range.tailMap(fromInclusive, true);
        }
        if (toExclusive != null) {
            range = range.headMap(toExclusive, false);
        }
        List<Bytes> out = new ArrayList<>(Math.min(Math.max(0, limit), range.size()));
        for (Bytes key : range.keySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(key);
        }
        return out;
    }

    @Override
    public synchronized List<Bytes> keysInHashRange(KeyHashRange range, Bytes after, int limit) {
        checkOpen("keysInHashRange");
        HashedKey start = new HashedKey(range.prefix(), Bytes.EMPTY);
        NavigableMap<HashedKey, Bytes> from = byHash.tailMap(start, true);
        if (after != null) {
            HashedKey afterKey = new HashedKey(Hashing.keyHash(after), after);
            if (HashedKey.ORDER.compare(afterKey, start) >= 0) {
                from = byHash.tailMap(afterKey, false);
            }
        }
        List<Bytes> out = new ArrayList<>();
        for (Map.Entry<HashedKey, Bytes> e : from.entrySet()) {
            if (out.size() >= limit || !range.contains(e.getKey().hash())) {
                break; // hashes ascend, so the first one outside the range ends it
            }
            out.add(e.getValue());
        }
        return out;
    }

    @Override
    public synchronized List<RangeDigest> digests(List<KeyHashRange> ranges) {
        checkOpen("digests");
        long[] sums = new long[ranges.size()];
        long[] counts = new long[ranges.size()];
        for (Map.Entry<HashedKey, Bytes> e : byHash.entrySet()) {
            long keyHash = e.getKey().hash();
            long docHash = 0;
            boolean hashed = false;
            for (int i = 0; i < ranges.size(); i++) {
                if (ranges.get(i).contains(keyHash)) {
                    if (!hashed) {
                        docHash = documentHash(e.getValue());
                        hashed = true;
                    }
                    sums[i] += docHash;
                    counts[i]++;
                }
            }
        }
        List<RangeDigest> out = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            out.add(new RangeDigest(ranges.get(i), sums[i], counts[i]));
        }
        return out;
    }

    /** The digest of every document: equal on two stores exactly when (up to hash collisions) they hold the same states. */
    public synchronized long digest() {
        long sum = 0;
        for (Bytes key : documents.keySet()) {
            sum += documentHash(key);
        }
        return sum ^ documents.size();
    }

    private long documentHash(Bytes key) {
        Long cached = documentHashes.get(key);
        if (cached == null) {
            cached = Hashing.documentHash(key, CrdtCodec.encode(documents.get(key)));
            documentHashes.put(key, cached);
        }
        return cached;
    }

    /** Every document, in key order (a snapshot for checks). */
    public synchronized Map<Bytes, Crdt<?>> snapshot() {
        return new LinkedHashMap<>(documents);
    }

    /** Writes what is pending and syncs, then refuses further calls. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<Pending> group = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : group) {
            disk.append(p.record());
        }
        disk.fsync();
        closed = true;
        complete(group);
    }

    private void put(Bytes key, Crdt<?> state) {
        if (documents.put(key, state) == null) {
            byHash.put(new HashedKey(Hashing.keyHash(key), key), key);
        }
        documentHashes.remove(key);
    }

    private void checkOpen(String operation) {
        if (closed) {
            throw new StorageException(operation + ": store is closed");
        }
    }

    // ------------------------------------------------------------------ record encoding

    @FunctionalInterface
    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] payload(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static byte[] frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(8 + payload.length).putInt(payload.length).putInt((int) crc.getValue()).put(payload).array();
    }

    private static byte[] record(long epoch, long seq, Commit commit) {
        return frame(payload(out -> {
            out.writeByte(COMMIT);
            out.writeLong(epoch);
            out.writeLong(seq);
            out.writeLong(commit.origin().value());
            out.writeInt(commit.changes().size());
            for (Change c : commit.changes()) {
                byte[] key = c.key().toByteArray();
                out.writeInt(key.length);
                out.write(key);
                byte[] delta = CrdtCodec.encode(c.delta());
                out.writeInt(delta.length);
                out.write(delta);
            }
            out.writeInt(commit.acks().size());
            for (Map.Entry<ReplicaId, Long> e : new TreeMap<>(commit.acks()).entrySet()) {
                out.writeLong(e.getKey().value());
                out.writeLong(e.getValue());
            }
            writeClock(out, commit.clockHighWater());
        }));
    }

    private static void writeClock(DataOutputStream out, Optional<HybridTimestamp> clock) throws IOException {
        out.writeByte(clock.isPresent() ? 1 : 0);
        if (clock.isPresent()) {
            out.writeLong(clock.get().physicalMillis());
            out.writeInt(clock.get().logical());
            out.writeLong(clock.get().replica().value());
        }
    }
}
