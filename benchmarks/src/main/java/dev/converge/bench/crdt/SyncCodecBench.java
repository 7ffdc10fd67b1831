package dev.converge.bench.crdt;

import dev.converge.bench.transport.BenchMessages;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.SyncMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding sync messages, the codec work on the replication path: the transport
 * benchmark's 64-byte and 4 KiB one-document batches, and a batch of 100 one-add set deltas as a
 * push carries them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class SyncCodecBench {

    @Param({"64B", "4KiB", "100-set-adds"})
    String message;

    SyncMessage value;
    byte[] encoded;

    @Setup(Level.Trial)
    public void setUp() {
        value = switch (message) {
            case "64B" -> BenchMessages.ofEncodedSize(64);
            case "4KiB" -> BenchMessages.ofEncodedSize(4096);
            default -> setAdds(100);
        };
        encoded = CrdtCodec.encode(value);
    }

    private static SyncMessage setAdds(int n) {
        List<Document> deltas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ORSet set = Fixtures.set(10);
            deltas.add(new Document(Bytes.of("set-" + i), set.add(Fixtures.A, Bytes.of("element-" + i)).delta()));
        }
        return new DeltaBatch(1_000, 1_000 + n, deltas, 500);
    }

    @Benchmark
    public byte[] encode() {
        return CrdtCodec.encode(value);
    }

    @Benchmark
    public SyncMessage decode() throws CodecException {
        return CrdtCodec.decodeMessage(encoded);
    }
}
