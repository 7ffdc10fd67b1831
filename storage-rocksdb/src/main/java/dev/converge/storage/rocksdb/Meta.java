package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.StorageException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The {@code meta} column family as read at open: format version, replica id, delta-log head,
 * sequence floor, clock high-water mark and acks. A new directory is initialised here, in one
 * synced batch, so a crash during creation leaves either no store or a complete empty one.
 *
 * @param seqFloor the last sequence number recorded in meta (at truncation or close); the true
 *     last one is the greater of this and the newest delta-log key
 */
record Meta(ReplicaId replica, long seqFloor, long head, HybridTimestamp clockHighWater, Map<ReplicaId, Long> acks) {

    static Meta readOrCreate(RocksHandles h, RocksStoreOptions options) throws RocksDBException {
        Map<String, byte[]> fixed = new HashMap<>();
        Map<ReplicaId, Long> acks = new HashMap<>();
        try (RocksIterator it = h.db.newIterator(h.meta)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                byte[] v = it.value();
                String name = Bytes.wrap(k.clone()).toString();
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
        return new Meta(ReplicaId.of(id), seq, head, clock, acks);
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
        return new Meta(replica, 0, 1, null, Map.of());
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

    private static boolean isEmpty(RocksHandles h, ColumnFamilyHandle cf) {
        try (RocksIterator it = h.db.newIterator(cf)) {
            it.seekToFirst();
            return !it.isValid();
        }
    }
}
