package dev.converge.bench.crdt;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.bench.report.Measure;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Encoded sizes: deterministic, so printed once per run rather than measured. */
public final class CrdtSizes {

    private CrdtSizes() {
    }

    /** Prints the sizes and returns them as measures named {@code crdt.sizes.*} (unit {@code B}). */
    public static List<Measure> print(PrintStream out) {
        ORSet full = Fixtures.set(10_000);
        int fullBytes = CrdtCodec.encode(full).length;
        int deltaBytes = CrdtCodec.encode(full.add(Fixtures.B, Bytes.of("elem-10000")).delta()).length;
        out.printf("encoded bytes: full 10,000-element ORSet %,d (target <= 150,000); one-add delta %d (target <= 40)%n",
                fullBytes, deltaBytes);
        return List.of(new Measure("crdt", "crdt.sizes.fullSet", Map.of(), fullBytes, 0, "B", null),
                new Measure("crdt", "crdt.sizes.oneAddDelta", Map.of(), deltaBytes, 0, "B", null));
    }
}
