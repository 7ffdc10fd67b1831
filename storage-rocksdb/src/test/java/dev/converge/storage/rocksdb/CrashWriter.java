package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.contract.Ops;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link CrashTest}: writes as fast as it can from {@value #THREADS}
 * threads and prints one line per commit once its future completed (acknowledged), until it is
 * killed. Each thread owns its keys, as the engine serialises writers per document.
 *
 * <p>With {@code deferred}, each thread commits in bursts of 1–20 through
 * {@code commitDeferred} and then {@code writeDeferred}, as the engine does with a loop burst.
 *
 * <p>Lines: {@code ack <seq> <key> g <count>} (the thread's replica has counted {@code count}),
 * {@code ack <seq> <key> s <element>} (element added), {@code ack <seq> <key> r <millis>}
 * (register written at {@code millis}).
 */
public final class CrashWriter {

    static final int THREADS = 2;
    static final int KEYS_PER_THREAD = 30;

    private CrashWriter() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        RocksStoreOptions.Durability durability = RocksStoreOptions.Durability.valueOf(args[1]);
        long seed = Long.parseLong(args[2]);
        boolean deferred = args.length > 3 && args[3].equals("deferred");
        // A small buffer: the latest acknowledged commits, the ones a crash puts most at risk,
        // reach the parent before the kill instead of dying in a large buffer.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 4096), false);
        RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder()
                .durability(durability).foldMinBytes(512).maxPendingCommits(256).build());
        synchronized (out) {
            out.println("ready");
            out.flush();
        }
        Thread[] threads = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads[t] = new Thread(() -> write(store, out, thread, new Random(seed * 31 + thread), deferred), "crash-writer-" + t);
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    static ReplicaId replica(int thread) {
        return ReplicaId.of(0xC0DE00 + thread);
    }

    static Bytes key(int thread, int index) {
        String kind = List.of("g", "s", "r").get(index % 3);
        return bytes(kind + "-" + thread + "-" + index);
    }

    private static void write(RocksDocumentStore store, PrintStream out, int thread, Random random, boolean deferred) {
        ReplicaId me = replica(thread);
        long millis = 1_000_000;
        int burstLeft = 0;
        for (long i = 0; ; i++) {
            int index = random.nextInt(KEYS_PER_THREAD);
            Bytes key = key(thread, index);
            Change change;
            String detail;
            switch (index % 3) {
                case 0 -> {
                    change = Ops.increment(store, key, me, 1);
                    detail = "g " + ((GCounter) change.state()).valueOf(me);
                }
                case 1 -> {
                    Bytes element = bytes("e" + i);
                    change = Ops.setAdd(store, key, me, element);
                    detail = "s " + element.asString();
                }
                default -> {
                    millis += 1 + random.nextInt(5);
                    change = Ops.register(store, key, new HybridTimestamp(millis, 0, me), bytes("v" + i));
                    detail = "r " + millis;
                }
            }
            String line = " " + key.asString() + " " + detail;
            Commit commit = Commit.of(me, List.of(change));
            if (deferred && burstLeft == 0) {
                burstLeft = 1 + random.nextInt(20);
            }
            (deferred ? store.commitDeferred(commit) : store.commit(commit)).whenComplete((seq, error) -> {
                if (error == null) {
                    synchronized (out) {
                        out.println("ack " + seq + line);
                    }
                }
            });
            if (deferred && --burstLeft == 0) {
                store.writeDeferred();
            }
        }
    }
}
