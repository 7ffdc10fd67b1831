package dev.converge.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.Document;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Properties of the key and value layout: the format every stored byte follows. */
class LayoutTest {

    private static Gen<Bytes> keys() {
        return lists().of(integers().between(0, 255)).ofSizeBetween(0, 40).map(list -> {
            byte[] b = new byte[list.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) list.get(i);
            }
            return Bytes.wrap(b);
        });
    }

    @Test
    void deltaKeysRoundTripAndNeverFallInsideAnotherDocumentsRange() {
        qt().forAll(keys(), keys(), longs().between(0, Long.MAX_VALUE)).checkAssert((a, b, seq) -> {
            byte[] key = Layout.docDeltaKey(Layout.docDeltaPrefix(a), seq);
            assertThat(Layout.docOfDeltaKey(key)).isEqualTo(a);
            assertThat(Layout.seqOfDeltaKey(key)).isEqualTo(seq);
            // The range delete of a fold covers [prefix(b)‖0, prefix(b)‖max]: it must hold none of a's keys.
            if (!a.equals(b)) {
                assertThat(Layout.hasPrefix(key, Layout.docDeltaPrefix(b))).isFalse();
            }
        });
    }

    @Test
    void aDocumentsDeltaKeysSortBySequenceNumber() {
        qt().forAll(keys(), longs().between(0, Long.MAX_VALUE), longs().between(0, Long.MAX_VALUE)).checkAssert((k, s, t) -> {
            byte[] prefix = Layout.docDeltaPrefix(k);
            assertThat(Integer.signum(Arrays.compareUnsigned(Layout.docDeltaKey(prefix, s), Layout.docDeltaKey(prefix, t))))
                    .isEqualTo(Long.signum(Long.compare(s, t)));
        });
    }

    @Test
    void varintsRoundTrip() {
        qt().forAll(integers().between(0, Integer.MAX_VALUE)).checkAssert(v -> {
            byte[] b = new byte[Layout.varintSize(v)];
            assertThat(Layout.writeVarint(b, 0, v)).isEqualTo(b.length);
            ByteReader r = new ByteReader(b, 0, b.length);
            assertThat(r.varint()).isEqualTo(v);
            assertThat(r.remaining()).isZero();
        });
    }

    @Test
    void anyFlippedBitBreaksTheSealAndAnyOtherKeyToo() {
        qt().forAll(keys(), keys(), integers().between(0, 10_000)).checkAssert((key, payload, bit) -> {
            byte[] sealed = Values.seal(key.toByteArray(), payload.toByteArray());
            assertThat(Values.intact(key.toByteArray(), sealed)).isTrue();
            byte[] flipped = sealed.clone();
            int i = bit % (flipped.length * 8);
            flipped[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(Values.intact(key.toByteArray(), flipped)).isFalse();
        });
        assertThat(Values.intact(new byte[] {1}, Values.seal(new byte[] {2}, new byte[] {3}))).isFalse();
        assertThat(Values.intact(new byte[] {1}, new byte[] {0, 0})).isFalse();
    }

    @Test
    void snapshotsRoundTripPlainBelowTheDeflateThresholdAndDeflatedAbove() {
        qt().forAll(integers().between(0, 3000), longs().between(0, Long.MAX_VALUE)).checkAssert((elements, folded) -> {
            ORSet set = ORSet.empty();
            List<Bytes> adds = new java.util.ArrayList<>();
            for (int i = 0; i < elements; i++) {
                adds.add(Bytes.of("element-" + i));
            }
            set = set.addAll(ReplicaId.of(9), adds).state();
            byte[] encoded = CrdtCodec.encode(set);
            byte[] key = Bytes.of("k").toByteArray();
            byte[] value = Values.seal(key, Documents.snapshot(folded, encoded));
            Documents.Stored stored = Documents.decodeSnapshot(key, value, Bytes.of("k"), "test");
            assertThat(stored.foldedThrough()).isEqualTo(folded);
            assertThat(stored.state()).isEqualTo(set);
            assertThat(stored.encodedBytes()).isEqualTo(encoded.length);
            if (encoded.length >= Documents.DEFLATE_MIN_BYTES) {
                assertThat(value.length).as("deflated size of %d bytes", encoded.length).isLessThan(encoded.length / 2);
            }
        });
    }

    @Test
    void deltaLogEntriesRoundTripAndEveryTruncationIsACodecException() {
        qt().forAll(lists().of(keys()).ofSizeBetween(0, 5), longs().between(1, Long.MAX_VALUE), integers().between(1, 1000))
                .checkAssert((keyList, origin, amount) -> {
                    List<Bytes> distinct = keyList.stream().distinct().toList();
                    Bytes[] keys = distinct.toArray(new Bytes[0]);
                    byte[][] deltas = new byte[keys.length][];
                    GCounter delta = GCounter.empty().increment(ReplicaId.of(origin), amount).delta();
                    for (int i = 0; i < keys.length; i++) {
                        deltas[i] = CrdtCodec.encode(delta);
                    }
                    byte[] seqKey = Layout.seqKey(7);
                    byte[] value = Values.seal(seqKey, DeltaLogFormat.encode(ReplicaId.of(origin), keys, deltas));
                    DeltaLogFormat.Decoded d;
                    try {
                        d = DeltaLogFormat.decode(7, value);
                    } catch (CodecException e) {
                        throw new AssertionError(e);
                    }
                    assertThat(d.entry().origin()).isEqualTo(ReplicaId.of(origin));
                    assertThat(d.entry().deltas()).extracting(Document::key).containsExactly(keys);
                    assertThat(d.entry().deltas()).extracting(Document::value).allMatch(delta::equals);
                    assertThat(d.deltaBytes()).isEqualTo((long) deltas.length * (deltas.length == 0 ? 0 : deltas[0].length));
                    for (int cut = Values.HEADER; cut < value.length; cut++) {
                        byte[] truncated = Arrays.copyOf(value, cut);
                        assertThatThrownBy(() -> DeltaLogFormat.decode(7, truncated)).isInstanceOf(CodecException.class);
                    }
                });
    }
}
