package dev.converge.crdt.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.testkit.Generators;
import dev.converge.crdt.testkit.Specs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Every sync message round-trips, and damaged message bytes only ever raise CodecException. */
class SyncCodecTest {

    private static Gen<List<Document>> documents() {
        Gen<Crdt<?>> sets = Generators.values(Specs.orSet()).map(v -> (Crdt<?>) v);
        Gen<Crdt<?>> maps = Generators.values(Specs.orMap()).map(v -> (Crdt<?>) v);
        Gen<Crdt<?>> counters = Generators.values(Specs.pnCounter()).map(v -> (Crdt<?>) v);
        return sets.zip(maps, counters, integers().between(0, 3), (s, m, c, n) -> {
            List<Document> docs = new ArrayList<>();
            List<Crdt<?>> values = List.of(s, m, c);
            for (int i = 0; i < n; i++) {
                docs.add(new Document(Bytes.of("doc-" + i), values.get(i % 3)));
            }
            return docs;
        });
    }

    private static Gen<SyncMessage> messages() {
        return documents().zip(longs().between(0, Long.MAX_VALUE / 2), integers().between(0, 6), (docs, seq, kind) -> {
            KeyHashRange range = new KeyHashRange(seq & 0xF000_0000_0000_0000L, 4);
            List<Progress> progress = new ArrayList<>();
            for (int i = 0; i < docs.size(); i++) {
                progress.add(new Progress(ReplicaId.of(99 + i), seq / (3 + i)));
            }
            return switch (kind) {
                case 0 -> new DeltaBatch(seq, seq + docs.size(), docs, seq / 2, seq % 3 == 0);
                case 1 -> new Ack(seq);
                case 6 -> new Heartbeat(seq, progress);
                case 2 -> new DigestRequest(seq, List.of(KeyHashRange.ALL, range));
                case 3 -> new DigestResponse(seq, List.of(new RangeDigest(range, seq * 31, docs.size())));
                case 4 -> new StateBatch(seq, range, docs, (int) (seq % 7), seq % 2 == 0, false);
                default -> new StateBatch(seq, KeyHashRange.ALL, docs, 0, true, seq % 3 == 0);
            };
        });
    }

    @Test
    void everyMessageRoundTrips() {
        qt().forAll(messages()).checkAssert(message -> {
            byte[] bytes = CrdtCodec.encode(message);
            try {
                assertThat(CrdtCodec.decodeMessage(bytes)).isEqualTo(message);
                assertThat(CrdtCodec.decodeMessage(ByteBuffer.wrap(bytes))).isEqualTo(message);
                byte[] padded = new byte[bytes.length + 6];
                System.arraycopy(bytes, 0, padded, 3, bytes.length);
                assertThat(CrdtCodec.decodeMessage(padded, 3, bytes.length)).isEqualTo(message);
                assertThat(CrdtCodec.encode(CrdtCodec.decodeMessage(bytes))).isEqualTo(bytes);
            } catch (CodecException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void damagedMessagesOnlyRaiseCodecException() {
        qt().forAll(messages(), longs().all()).checkAssert((message, seed) -> {
            byte[] bytes = CrdtCodec.encode(message);
            SplittableRandom random = new SplittableRandom(seed);
            for (int trial = 0; trial < 8; trial++) {
                byte[] damaged = bytes.clone();
                if (trial % 2 == 0) {
                    damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                } else {
                    damaged = java.util.Arrays.copyOf(damaged, random.nextInt(damaged.length));
                }
                try {
                    SyncMessage decoded = CrdtCodec.decodeMessage(damaged);
                    assertThat(CrdtCodec.decodeMessage(CrdtCodec.encode(decoded))).isEqualTo(decoded);
                } catch (CodecException e) {
                    Throwable cause = e.getCause();
                    assertThat(cause instanceof RuntimeException && !(cause instanceof IllegalArgumentException))
                            .as("unexpected %s", cause).isFalse();
                }
            }
        });
    }
}
