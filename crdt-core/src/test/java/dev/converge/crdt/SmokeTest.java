package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import org.junit.jupiter.api.Test;

class SmokeTest {
    static final ReplicaId A = ReplicaId.of(1);
    static final ReplicaId B = ReplicaId.of(2);

    @Test
    void orSetAddRemoveConcurrent() throws Exception {
        ORSet a = ORSet.empty();
        Mutation<ORSet> m1 = a.add(A, Bytes.of("x"));
        ORSet b = ORSet.empty().join(m1.delta());
        Mutation<ORSet> rem = b.remove(Bytes.of("x"));
        Mutation<ORSet> readd = m1.state().add(A, Bytes.of("x"));
        ORSet left = readd.state().join(rem.delta());
        ORSet right = rem.state().join(readd.delta());
        assertThat(left).isEqualTo(right);
        assertThat(left.contains(Bytes.of("x"))).isTrue();
        assertThat(CrdtCodec.decode(CrdtCodec.encode(left))).isEqualTo(left);
        assertThat(CrdtCodec.decode(CrdtCodec.encode(rem.delta()))).isEqualTo(rem.delta());
        var merge = m1.state().merge(rem.delta());
        assertThat(merge.state().contains(Bytes.of("x"))).isFalse();
        assertThat(m1.state().join(merge.effectiveDelta())).isEqualTo(merge.state());
    }

    @Test
    void mapNested() throws Exception {
        ORMap m = ORMap.empty();
        var r1 = m.increment(A, Bytes.of("n"), 5);
        var r2 = r1.state().updateSet(Bytes.of("s"), s -> s.add(A, Bytes.of("e")));
        var r3 = r2.state().setRegister(A, new HybridTimestamp(10, 0, A), Bytes.of("r"), Bytes.of("v"));
        var r4 = r3.state().updateMap(Bytes.of("m"), n -> n.increment(A, Bytes.of("c"), 2));
        ORMap other = ORMap.empty().join(r1.delta()).join(r2.delta()).join(r3.delta()).join(r4.delta());
        assertThat(other).isEqualTo(r4.state());
        assertThat(other.counter(Bytes.of("n"))).hasValue(5);
        assertThat(other.map(Bytes.of("m")).orElseThrow().counter(Bytes.of("c"))).hasValue(2);
        assertThat(CrdtCodec.decode(CrdtCodec.encode(other))).isEqualTo(other);
        var rm = other.removeField(Bytes.of("s"));
        var conc = r4.state().increment(B, Bytes.of("n"), 1);
        assertThat(rm.state().join(conc.delta())).isEqualTo(conc.state().join(rm.delta()));
        System.out.println(CrdtCodec.encode(r2.delta()).length + " " + rm.state().join(conc.delta()));
    }
}
