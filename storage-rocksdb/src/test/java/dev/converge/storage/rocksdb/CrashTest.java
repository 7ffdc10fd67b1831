package dev.converge.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.sync.Document;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process with SIGKILL at a random moment, then reopens its directory: every
 * commit the process saw acknowledged is there, and the store is consistent. Buffered mode
 * promises exactly this for a process crash (the WAL is in the OS page cache); sync mode too.
 * An OS crash, where only sync mode keeps everything, cannot be staged here.
 *
 * <p>Seeds: {@code -Dconverge.crash.seeds=N} runs N per mode (default 3).
 */
class CrashTest {

    @TempDir
    Path dir;

    static Stream<Arguments> runs() {
        int seeds = Integer.getInteger("converge.crash.seeds", 3);
        // Plain commits with every seed; deferred bursts (as the engine writes) with the first two.
        return Stream.of(RocksStoreOptions.Durability.values())
                .flatMap(mode -> Stream.concat(
                        LongStream.rangeClosed(1, seeds).mapToObj(seed -> Arguments.of(mode, seed, "plain")),
                        LongStream.rangeClosed(1, Math.min(2, seeds)).mapToObj(seed -> Arguments.of(mode, seed, "deferred"))));
    }

    @ParameterizedTest(name = "{0} seed {1} {2}")
    @MethodSource("runs")
    void everyAcknowledgedCommitSurvivesSigkill(RocksStoreOptions.Durability mode, long seed, String commits) throws Exception {
        Path store = dir.resolve("store");
        Random random = new Random(seed);
        List<String> acked = new ArrayList<>();
        // Twice into the same directory: recovery of a store that already survived one kill.
        for (int round = 0; round < 2; round++) {
            acked.addAll(runAndKill(store, mode, seed * 10 + round, 300 + random.nextInt(1200), commits));
        }
        assertThat(acked).as("acknowledged commits seen before the kills").hasSizeGreaterThan(100);
        try (RocksDocumentStore recovered = RocksDocumentStore.open(store, RocksStoreOptions.builder().durability(mode).build())) {
            for (String line : acked) {
                assertPresent(recovered, line);
            }
            StoreChecks.assertConsistent(recovered);
        }
    }

    private static void assertPresent(RocksDocumentStore store, String line) {
        String[] f = line.split(" ");
        long seq = Long.parseLong(f[1]);
        Bytes key = Bytes.of(f[2]);
        assertThat(store.lastSeq()).as("lastSeq covers acknowledged %s", line).isGreaterThanOrEqualTo(seq);
        List<DeltaLogEntry> entries = store.readDeltaLog(seq - 1, 0).entries();
        assertThat(entries).as("log entry of %s", line).isNotEmpty();
        assertThat(entries.get(0).seq()).isEqualTo(seq);
        assertThat(entries.get(0).deltas()).extracting(Document::key).contains(key);
        Crdt<?> state = store.read(key).orElseThrow(() -> new AssertionError("document missing: " + line));
        switch (f[3]) {
            case "g" -> assertThat(((GCounter) state).valueOf(CrashWriter.replica(threadOf(key)))).as(line).isGreaterThanOrEqualTo(Long.parseLong(f[4]));
            case "s" -> assertThat(((ORSet) state).contains(Bytes.of(f[4]))).as(line).isTrue();
            default -> assertThat(((LWWRegister) state).timestamp().orElseThrow().physicalMillis()).as(line).isGreaterThanOrEqualTo(Long.parseLong(f[4]));
        }
    }

    private static int threadOf(Bytes key) {
        return Integer.parseInt(key.asString().split("-")[1]);
    }

    /** Runs the writer until {@code killAfterMillis} after it is ready, kills it, returns the whole lines it printed. */
    private static List<String> runAndKill(Path store, RocksStoreOptions.Durability mode, long seed, long killAfterMillis, String commits)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), store.toString(), mode.name(), Long.toString(seed), commits)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Object ready = new Object();
        Thread reader = new Thread(() -> copy(child.getInputStream(), output, ready), "crash-test-reader");
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (ready) {
            while (!output.toString(StandardCharsets.UTF_8).startsWith("ready\n") && child.isAlive() && System.nanoTime() < deadline) {
                ready.wait(100);
            }
        }
        assertThat(child.isAlive()).as("writer process started").isTrue();
        Thread.sleep(killAfterMillis);
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        String text = output.toString(StandardCharsets.UTF_8);
        // A line cut by the kill has no newline and proves nothing.
        String complete = text.substring(0, text.lastIndexOf('\n') + 1);
        List<String> lines = new ArrayList<>();
        for (String line : complete.split("\n")) {
            if (line.startsWith("ack ")) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out, Object ready) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (ready) {
                    out.write(buffer, 0, n);
                    ready.notifyAll();
                }
            }
        } catch (IOException e) {
            // The process died; what was read is what counts.
        }
    }
}
