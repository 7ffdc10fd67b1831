package dev.converge.storage.rocksdb;

import dev.converge.crdt.port.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksObject;
import org.rocksdb.Statistics;
import org.rocksdb.StatsLevel;
import org.rocksdb.TickerType;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Every native RocksDB object of one open store, and the one place that opens and closes them:
 * objects are recorded as they are made and closed in reverse order, so an open that fails
 * halfway and a normal close both leave nothing behind.
 */
final class RocksHandles implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    /** Block cache shared by the column families; documents are cached decoded above it. */
    private static final long BLOCK_CACHE_BYTES = 32L << 20;

    final Path directory;
    final RocksDB db;
    final ColumnFamilyHandle docs;
    final ColumnFamilyHandle docDeltas;
    final ColumnFamilyHandle deltaLog;
    final ColumnFamilyHandle keyHash;
    final ColumnFamilyHandle meta;
    final List<ColumnFamilyHandle> all;
    private final Statistics statistics;
    private final Deque<RocksObject> owned;

    private RocksHandles(Path directory, RocksDB db, List<ColumnFamilyHandle> handles, Statistics statistics, Deque<RocksObject> owned) {
        this.directory = directory;
        this.db = db;
        this.all = List.copyOf(handles);
        this.docs = handles.get(1);
        this.docDeltas = handles.get(2);
        this.deltaLog = handles.get(3);
        this.keyHash = handles.get(4);
        this.meta = handles.get(5);
        this.statistics = statistics;
        this.owned = owned;
    }

    /** Opens (creating when missing) the RocksDB database of a store at {@code directory}. */
    static RocksHandles open(Path directory) {
        checkDirectory(directory);
        Deque<RocksObject> owned = new ArrayDeque<>();
        try {
            Statistics statistics = own(owned, new Statistics());
            statistics.setStatsLevel(StatsLevel.EXCEPT_DETAILED_TIMERS);
            DBOptions dbOptions = own(owned, new DBOptions())
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setStatistics(statistics)
                    .setMaxBackgroundJobs(2)
                    .setKeepLogFileNum(4)
                    .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                    // A torn tail after a crash is cut at the last whole record: every earlier
                    // write group survives, which is exactly what buffered durability promises.
                    .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery);
            LRUCache blockCache = own(owned, new LRUCache(BLOCK_CACHE_BYTES));
            BloomFilter bloom = own(owned, new BloomFilter(10));
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String name : Layout.COLUMN_FAMILIES) {
                BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloom);
                ColumnFamilyOptions cf = own(owned, new ColumnFamilyOptions())
                        .setTableFormatConfig(table)
                        .setCompressionType(CompressionType.LZ4_COMPRESSION)
                        .setWriteBufferSize(name.equals(Layout.META) || name.equals(Layout.DEFAULT) ? 1L << 20 : 16L << 20);
                descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), cf));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db;
            try {
                db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            } catch (RocksDBException e) {
                throw openFailure(directory, e);
            }
            // Close order is reverse: handles go before the database, options after it.
            owned.push(db);
            for (ColumnFamilyHandle h : handles) {
                owned.push(h);
            }
            return new RocksHandles(directory, db, handles, statistics, owned);
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    private static <T extends RocksObject> T own(Deque<RocksObject> owned, T object) {
        owned.push(object);
        return object;
    }

    /**
     * Refuses a directory that is neither empty nor a Converge store, before RocksDB writes into
     * it: a typo in a path must not scatter files among someone else's.
     */
    private static void checkDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StorageException("open of " + directory + ": cannot create the directory: " + e, e);
        }
        if (!Files.exists(directory.resolve("CURRENT"))) {
            try (Stream<Path> entries = Files.list(directory)) {
                List<String> names = entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("LOCK")).limit(3).toList();
                if (!names.isEmpty()) {
                    throw new StorageException("open of " + directory + ": the directory is not empty and holds no store (found " + names + ")");
                }
            } catch (IOException e) {
                throw new StorageException("open of " + directory + ": cannot list the directory: " + e, e);
            }
            return;
        }
        List<byte[]> families;
        try (Options options = new Options()) {
            families = RocksDB.listColumnFamilies(options, directory.toString());
        } catch (RocksDBException e) {
            throw openFailure(directory, e);
        }
        Set<String> found = new HashSet<>();
        for (byte[] f : families) {
            found.add(new String(f, StandardCharsets.US_ASCII));
        }
        if (!found.containsAll(Layout.COLUMN_FAMILIES) || found.size() != Layout.COLUMN_FAMILIES.size()) {
            throw new StorageException("open of " + directory + ": not a Converge store: column families " + found + ", expected " + Layout.COLUMN_FAMILIES);
        }
    }

    private static StorageException openFailure(Path directory, RocksDBException e) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("lock")) {
            return new StorageException("open of " + directory + ": the store is already in use by another process"
                    + " (or already open in this one): " + message, e);
        }
        return new StorageException("open of " + directory + ": " + message, e);
    }

    /**
     * Write options owned by these handles, closed with them: the writer and compaction threads
     * stop before the handles close, so their options never outlive a use.
     */
    synchronized WriteOptions writeOptions(boolean sync) {
        WriteOptions options = new WriteOptions().setSync(sync);
        // Pushed last so it closes first, before the database.
        owned.push(options);
        return options;
    }

    /** A write batch owned by these handles, for a thread that reuses one (cleared per write). */
    synchronized WriteBatch writeBatch() {
        WriteBatch batch = new WriteBatch();
        owned.push(batch);
        return batch;
    }

    /** Every native object these handles own, for tests that check they are all closed. */
    synchronized List<RocksObject> nativeObjects() {
        return List.copyOf(owned);
    }

    long ticker(TickerType type) {
        return statistics.getTickerCount(type);
    }

    /** Writes the memtables to table files so the next open need not replay the WAL. */
    void flush() throws RocksDBException {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, all);
        }
        db.syncWal();
    }

    @Override
    public synchronized void close() {
        closeAll(owned);
    }

    private static void closeAll(Deque<RocksObject> owned) {
        while (!owned.isEmpty()) {
            RocksObject o = owned.pop();
            o.close();
        }
    }
}
