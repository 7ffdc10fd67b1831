package dev.converge.bench.pekko;

import dev.converge.bench.crdt.Fixtures;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.codec.CrdtCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import dev.converge.bench.report.Measure;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.ddata.protobuf.ReplicatedDataSerializer;

/**
 * Encoded sizes of the ORSet workloads on both sides: deterministic, so printed once per run
 * rather than measured. The targets compare with Pekko's raw protobuf bytes; its serializer gzips a
 * full set before sending, so that size is shown too, next to crdt-core's bytes gzipped the same way.
 */
public final class PekkoSizes {

    private PekkoSizes() {
    }

    public static void main(String[] args) {
        print(System.out);
    }

    /** Prints the sizes and returns them as measures named {@code pekko.sizes.*} (unit {@code B}). */
    public static List<Measure> print(PrintStream out) {
        ORSet full = Fixtures.set(10_000);
        byte[] fullBytes = CrdtCodec.encode(full);
        int deltaBytes = CrdtCodec.encode(full.add(Fixtures.B, Bytes.of("elem-10000")).delta()).length;

        ExtendedActorSystem system = PekkoFixtures.localSystem();
        try {
            ReplicatedDataSerializer serializer = new ReplicatedDataSerializer(system);
            org.apache.pekko.cluster.ddata.ORSet<String> pekkoFull = PekkoFixtures.set(10_000);
            byte[] pekkoGzipped = serializer.toBinary(pekkoFull);
            int pekkoRaw = serializer.orsetToProto(pekkoFull).getSerializedSize();
            PekkoFixtures.check(serializer.decompress(pekkoGzipped).length == pekkoRaw, "raw size is what Pekko gzips");
            int pekkoDelta = serializer.toBinary(pekkoFull.add(PekkoFixtures.B, "elem-10000").delta().get()).length;

            out.printf("encoded bytes, full 10,000-element ORSet: Converge %,d, Pekko raw %,d: ratio %.3f (target <= 0.35, %s)%n",
                    fullBytes.length, pekkoRaw, (double) fullBytes.length / pekkoRaw, verdict(fullBytes.length, pekkoRaw, 0.35));
            int gzipped = gzip(fullBytes);
            out.printf("  gzipped as Pekko sends a full set: Converge %,d, Pekko %,d: ratio %.3f%n",
                    gzipped, pekkoGzipped.length, (double) gzipped / pekkoGzipped.length);
            out.printf("encoded bytes, one-add delta (never gzipped): Converge %d, Pekko %d: ratio %.3f (target <= 0.5, %s)%n",
                    deltaBytes, pekkoDelta, (double) deltaBytes / pekkoDelta, verdict(deltaBytes, pekkoDelta, 0.5));
            return List.of(size("fullSetConverge", fullBytes.length), size("fullSetPekkoRaw", pekkoRaw),
                    size("fullSetConvergeGzipped", gzipped), size("fullSetPekkoGzipped", pekkoGzipped.length),
                    size("oneAddDeltaConverge", deltaBytes), size("oneAddDeltaPekko", pekkoDelta));
        } finally {
            PekkoFixtures.terminate(system);
        }
    }

    private static Measure size(String name, int bytes) {
        return new Measure("pekko", "pekko.sizes." + name, Map.of(), bytes, 0, "B", null);
    }

    private static String verdict(int converge, int pekko, double target) {
        return converge <= target * pekko ? "met" : "missed";
    }

    /** Gzip at the default level, as Pekko's serializer compresses. */
    private static int gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.size();
    }
}
