package dev.converge.bench.transport;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.SyncMessage;
import java.util.List;
import java.util.SplittableRandom;

/** Sync messages whose canonical encoding is exactly a given number of bytes. */
public final class BenchMessages {

    private BenchMessages() {
    }

    /**
     * A delta batch of one document whose key is sized so that {@code CrdtCodec.encode} yields
     * exactly {@code encodedBytes} bytes: the "64-byte" and "4 KiB" messages of the benchmark.
     */
    public static SyncMessage ofEncodedSize(int encodedBytes) {
        SplittableRandom random = new SplittableRandom(encodedBytes);
        for (int key = Math.max(0, encodedBytes - 64); key <= encodedBytes; key++) {
            byte[] k = new byte[key];
            for (int i = 0; i < k.length; i++) {
                k[i] = (byte) random.nextInt(256);
            }
            SyncMessage m = new DeltaBatch(1_000_000, 1_000_064,
                    List.of(new Document(Bytes.wrap(k), GCounter.empty())), 999_999);
            if (CrdtCodec.encode(m).length == encodedBytes) {
                return m;
            }
        }
        throw new IllegalArgumentException("no delta batch encodes to exactly " + encodedBytes + " bytes");
    }
}
