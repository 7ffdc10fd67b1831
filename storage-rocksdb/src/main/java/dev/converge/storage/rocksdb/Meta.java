package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.StorageException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code meta} column family as read at open: format version, replica id, delta-log head,
 * sequence floor, clock high-water mark, acks, and the marker of a run that did not close. A new
 * directory is initialised here, in one synced batch, so a crash during creation leaves either no
 * store or a complete empty one.
 *
 * @param seqFloor the last sequence number recorded in meta (at truncation or close); the true
 *     last one is the greater of this and the newest delta-log key
 * @param interrupted the previous run, when it did not close cleanly; null otherwise
 * @param savedDigests the digest tree the last run saved at its clean close; null when it did not
 *     close cleanly, saved none, or the value is damaged
 */
record Meta(ReplicaId replica, long seqFloor, long head, HybridTimestamp clockHighWater, Map<ReplicaId, Long> acks,
            Run interrupted, byte[] savedDigests) {

    private static final Logger LOG = LoggerFactory.getLogger(Meta.class);

    /** A run of the store, as its {@link Layout#META_RUNNING} marker records it. */
    record Run(RocksStoreOptions.Durability durability, String bootId) {

        byte[] encode() {
            byte[] boot = bootId.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[1 + boot.length];
            out[0] = (byte) durability.ordinal();
            System.arraycopy(boot, 0, out, 1, boot.length);
            return out;
        }

        static Run decode(RocksHandles h, byte[] payload) {
            RocksStoreOptions.Durability[] modes = RocksStoreOptions.Durability.values();
            if (payload.length < 1 || payload[0] < 0 || payload[0] >= modes.length) {
                throw new StorageException("open of " + h.directory + ": meta value 'running' is invalid");
            }
            return new Run(modes[payload[0]], new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8));
        }

        /**
         * Whether acknowledged commits of this interrupted run may be lost: it acknowledged before
         * fsync (buffered) and the machine restarted since (another boot, or a boot we cannot
         * tell). A process crash on the same boot loses nothing: the OS still wrote its WAL.
         */
        boolean mayHaveLostAcknowledged(String currentBootId) {
            return durability == RocksStoreOptions.Durability.BUFFERED && (bootId.isEmpty() || !bootId.equals(currentBootId));
        }
    }

    static Meta readOrCreate(RocksHandles h, RocksStoreOptions options) throws RocksDBException {
        Map<String, byte[]> fixed = new HashMap<>();
        Map<ReplicaId, Long> acks = new HashMap<>();
        try (RocksIterator it = h.db.newIterator(h.meta)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                byte[] v = it.value();
                String name = Bytes.wrap(k.clone()).toString();
                if (Arrays.equals(k, Layout.META_DIGESTS) && !Values.intact(k, v)) {
                    // Derived data: damage costs a rebuild at open, not the store.
                    LOG.warn("open of {}: the saved digest tree is corrupt (checksum mismatch); rebuilding it from the documents", h.directory);
                    continue;
                }
                if (!Values.intact(k, v)) {
                    throw new StorageException("open of " + h.directory + ": corrupt meta value '" + name + "' (checksum mismatch)");
                }
                byte[] payload = Arrays.copyOfRange(v, Values.HEADER, v.length);
                if (Layout.isAckKey(k)) {
                    acks.put(Layout.peerOfAckKey(k), number(h, name, payload));
                } else {
                    fixed.put(name, payload);
                }
            }
            it.status();
        }
        byte[] format = fixed.get("format");
        if (format == null) {
            if (!isEmpty(h, h.docs) || !isEmpty(h, h.deltaLog) || !isEmpty(h, h.docDeltas) || !fixed.isEmpty() || !acks.isEmpty()) {
                throw new StorageException("open of " + h.directory + ": the store holds data but no on-disk format version; refusing to guess");
            }
            return create(h, options);
        }
        long version = number(h, "format", format);
        if (version > Layout.FORMAT_VERSION) {
            throw new StorageException("open of " + h.directory + ": on-disk format version " + version
                    + " is newer than version " + Layout.FORMAT_VERSION + " that this release reads; upgrade Converge to open it");
        }
        if (version < 1) {
            throw new StorageException("open of " + h.directory + ": invalid on-disk format version " + version);
        }
        byte[] replica = fixed.get("replica");
        if (replica == null) {
            throw new StorageException("open of " + h.directory + ": meta holds no replica id");
        }
        if (replica.length != 8) {
            throw new StorageException("open of " + h.directory + ": meta value 'replica' has " + replica.length + " bytes, expected 8");
        }
        // Replica ids use all 64 bits: negative is fine, zero is reserved.
        long id = Layout.getLong(replica, 0);
        if (id == 0) {
            throw new StorageException("open of " + h.directory + ": meta holds replica id 0");
        }
        byte[] hlc = fixed.get("hlc");
        HybridTimestamp clock = null;
        if (hlc != null) {
            if (hlc.length != 20) {
                throw new StorageException("open of " + h.directory + ": meta value 'hlc' has " + hlc.length + " bytes, expected 20");
            }
            try {
                clock = Layout.decodeTimestamp(hlc, 0);
            } catch (IllegalArgumentException e) {
                throw new StorageException("open of " + h.directory + ": meta value 'hlc' is invalid: " + e.getMessage(), e);
            }
        }
        long head = fixed.containsKey("head") ? number(h, "head", fixed.get("head")) : 1;
        long seq = fixed.containsKey("seq") ? number(h, "seq", fixed.get("seq")) : 0;
        Run interrupted = fixed.containsKey("running") ? Run.decode(h, fixed.get("running")) : null;
        byte[] digests = interrupted == null ? fixed.get("digests") : null;
        return new Meta(ReplicaId.of(id), seq, head, clock, acks, interrupted, digests);
    }

    /**
     * Starts a run: records its marker (synced) and returns the meta to open with. When the
     * previous run may have lost acknowledged commits, the store first takes a new replica id,
     * keeping its documents but not its delta log or acks. Its old id may have issued dots,
     * counter values and log positions that peers hold and it no longer does; under the old id it
     * would issue them again for other writes, and peers, which already hold them, would drop
     * those writes. Under a new id nothing is issued twice, and peers send the lost writes back as
     * they would any other replica's (a fresh log and no acks make every peer catch up with it).
     *
     * @param lastSeq the last local sequence number recovered; numbering continues after it
     */
    Meta begin(RocksHandles h, RocksStoreOptions options, String bootId, long lastSeq) throws RocksDBException {
        Run run = new Run(options.durability(), bootId);
        boolean reidentify = interrupted != null && interrupted.mayHaveLostAcknowledged(bootId);
        ReplicaId id = replica;
        try (WriteBatch batch = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
            if (reidentify) {
                id = freshId(replica);
                put(batch, h.meta, Layout.META_REPLICA, Layout.longValue(id.value()));
                for (ReplicaId peer : acks.keySet()) {
                    batch.delete(h.meta, Layout.ackKey(peer));
                }
                batch.deleteRange(h.deltaLog, Layout.seqKey(0), Layout.seqKey(Long.MAX_VALUE));
                put(batch, h.meta, Layout.META_HEAD, Layout.longValue(lastSeq + 1));
                put(batch, h.meta, Layout.META_SEQ, Layout.longValue(lastSeq));
            }
            put(batch, h.meta, Layout.META_RUNNING, run.encode());
            // The saved tree holds only until the first commit of this run; a crash must rebuild it.
            batch.delete(h.meta, Layout.META_DIGESTS);
            h.db.write(sync, batch);
        }
        if (!reidentify) {
            return new Meta(replica, seqFloor, head, clockHighWater, acks, null, savedDigests);
        }
        LOG.warn("open of {}: the previous run acknowledged writes before fsync (buffered) and did not close before the machine "
                + "restarted, so its last writes may be lost; continuing as replica {} (was {}) with its recovered "
                + "documents, so no write is ever numbered twice; peers send back what was lost", h.directory, id, replica);
        return new Meta(id, lastSeq, lastSeq + 1, clockHighWater, Map.of(), null, null);
    }

    private static ReplicaId freshId(ReplicaId old) {
        SecureRandom random = new SecureRandom();
        ReplicaId id;
        do {
            id = ReplicaId.random(random);
        } while (id.equals(old));
        return id;
    }

    private static Meta create(RocksHandles h, RocksStoreOptions options) throws RocksDBException {
        ReplicaId replica = options.newReplicaId().orElseGet(() -> ReplicaId.random(new SecureRandom()));
        try (WriteBatch batch = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
            put(batch, h.meta, Layout.META_REPLICA, Layout.longValue(replica.value()));
            put(batch, h.meta, Layout.META_HEAD, Layout.longValue(1));
            put(batch, h.meta, Layout.META_SEQ, Layout.longValue(0));
            // Written last in the batch for readability only: the batch is atomic.
            put(batch, h.meta, Layout.META_FORMAT, Layout.longValue(Layout.FORMAT_VERSION));
            h.db.write(sync, batch);
        }
        return new Meta(replica, 0, 1, null, Map.of(), null, null);
    }

    private static void put(WriteBatch batch, ColumnFamilyHandle cf, byte[] key, byte[] payload) throws RocksDBException {
        batch.put(cf, key, Values.seal(key, payload));
    }

    private static long number(RocksHandles h, String name, byte[] payload) {
        if (payload.length != 8) {
            throw new StorageException("open of " + h.directory + ": meta value '" + name + "' has " + payload.length + " bytes, expected 8");
        }
        long v = Layout.getLong(payload, 0);
        if (v < 0) {
            throw new StorageException("open of " + h.directory + ": meta value '" + name + "' is negative: " + v);
        }
        return v;
    }

    private static boolean isEmpty(RocksHandles h, ColumnFamilyHandle cf) throws RocksDBException {
        try (RocksIterator it = h.db.newIterator(cf)) {
            it.seekToFirst();
            if (it.isValid()) {
                return false;
            }
            it.status(); // a read error is not an empty family
            return true;
        }
    }
}
