package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.StorageException;
import dev.converge.storage.contract.Ops;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksObject;

/** Opening, validating, locking and closing a store directory. */
class LifecycleTest {

    private static final ReplicaId ME = ReplicaId.of(0x11FE);

    @TempDir
    Path dir;

    @Test
    void aNewerOnDiskFormatIsRefusedNamingBothVersions() throws Exception {
        RocksDocumentStore.open(dir).close();
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.meta, Layout.META_FORMAT, Values.seal(Layout.META_FORMAT, Layout.longValue(Layout.FORMAT_VERSION + 1)));
        }
        assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("on-disk format version " + (Layout.FORMAT_VERSION + 1))
                .hasMessageContaining("newer than version " + Layout.FORMAT_VERSION);
    }

    @Test
    void aSecondOpenInThisProcessIsRefusedAsInUse() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("already in use");
            assertThat(store.read(bytes("x"))).isEmpty();
        }
        RocksDocumentStore.open(dir).close();
    }

    @Test
    void aStoreHeldByAnotherProcessIsRefusedAsInUse() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), HoldStore.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("ready");
            assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("open of " + dir)
                    .hasMessageContaining("already in use by another process");
        } finally {
            child.getOutputStream().close();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        RocksDocumentStore.open(dir).close();
    }

    @Test
    void aDirectoryHoldingSomethingElseIsRefused() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a store");
        assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("not empty and holds no store");
        Path foreign = dir.resolve("foreign");
        try (Options options = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(options, foreign.toString())) {
            db.put(new byte[] {1}, new byte[] {2});
        }
        assertThatThrownBy(() -> RocksDocumentStore.open(foreign))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("not a Converge store");
    }

    @Test
    void closeWritesWhatIsQueuedAndFreesEveryNativeObject() {
        RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().newReplicaId(ME).build());
        for (int i = 0; i < 500; i++) {
            store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes("c" + i % 7), ME, 1))));
        }
        store.foldNow(bytes("c1"));
        List<RocksObject> natives = store.handles().nativeObjects();
        assertThat(natives).hasSizeGreaterThan(10).allMatch(RocksObject::isOwningHandle);
        store.close();
        assertThat(natives).noneMatch(RocksObject::isOwningHandle);
        store.close();
        assertThatThrownBy(() -> store.read(bytes("c1"))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        try (RocksDocumentStore reopened = RocksDocumentStore.open(dir)) {
            assertThat(reopened.replicaId()).isEqualTo(ME);
            assertThat(reopened.lastSeq()).isEqualTo(500);
            long total = 0;
            for (int i = 0; i < 7; i++) {
                total += ((GCounter) reopened.read(bytes("c" + i)).orElseThrow()).value();
            }
            assertThat(total).isEqualTo(500);
        }
    }

    @Test
    void repeatedOpenAndCloseReleasesTheDirectoryEveryTime() {
        for (int i = 0; i < 15; i++) {
            try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
                store.commit(Commit.of(store.replicaId(), List.of(Ops.increment(store, bytes("n"), store.replicaId(), 1)))).toCompletableFuture().join();
            }
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThat(((GCounter) store.read(bytes("n")).orElseThrow()).value()).isEqualTo(15);
            assertThat(store.lastSeq()).isEqualTo(15);
        }
    }

    @Test
    void aFailedOpenLeavesNoLockBehind() throws Exception {
        Path file = dir.resolve("file");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> RocksDocumentStore.open(file)).isInstanceOf(StorageException.class).hasMessageContaining("open of " + file);
        RocksDocumentStore.open(dir.resolve("fine")).close();
    }

    @Test
    void optionsRejectNonsenseNamingTheField() {
        assertThatThrownBy(() -> RocksStoreOptions.builder().cacheMaxBytes(-1).build()).hasMessageContaining("cacheMaxBytes");
        assertThatThrownBy(() -> RocksStoreOptions.builder().foldFraction(0).build()).hasMessageContaining("foldFraction");
        assertThatThrownBy(() -> RocksStoreOptions.builder().maxGroupCommits(0).build()).hasMessageContaining("maxGroupCommits");
        assertThatThrownBy(() -> RocksStoreOptions.builder().maxPendingCommits(0).build()).hasMessageContaining("maxPendingCommits");
        assertThatThrownBy(() -> RocksStoreOptions.builder().deltaLogRetention(0).build()).hasMessageContaining("deltaLogRetention");
        assertThatThrownBy(() -> RocksStoreOptions.builder().rewriteMaxBytes(-1).build()).hasMessageContaining("rewriteMaxBytes");
        assertThatThrownBy(() -> RocksStoreOptions.builder().rewriteMaxBytes(RocksStoreOptions.MAX_REWRITE_BYTES + 1).build())
                .hasMessageContaining("rewriteMaxBytes");
        assertThat(RocksStoreOptions.defaults().durability()).isEqualTo(RocksStoreOptions.Durability.BUFFERED);
        assertThat(RocksStoreOptions.defaults().toBuilder().build()).isEqualTo(RocksStoreOptions.defaults());
    }
}
