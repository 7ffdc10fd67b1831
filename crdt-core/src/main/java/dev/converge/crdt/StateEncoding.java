package dev.converge.crdt;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.causal.VersionVector;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.proto.CounterStore;
import dev.converge.crdt.codec.proto.EWFlagState;
import dev.converge.crdt.codec.proto.Field;
import dev.converge.crdt.codec.proto.FlagStore;
import dev.converge.crdt.codec.proto.GCounterState;
import dev.converge.crdt.codec.proto.LWWRegisterState;
import dev.converge.crdt.codec.proto.MVRegisterState;
import dev.converge.crdt.codec.proto.MVStore;
import dev.converge.crdt.codec.proto.MapStore;
import dev.converge.crdt.codec.proto.ORMapState;
import dev.converge.crdt.codec.proto.ORSetState;
import dev.converge.crdt.codec.proto.PNCounterState;
import dev.converge.crdt.codec.proto.RegisterStore;
import dev.converge.crdt.codec.proto.SetStore;
import dev.converge.crdt.codec.proto.TypeConflictState;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.internal.StateEncodingHook;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * Maps every CRDT state and delta to its message in {@code converge.proto} and back.
 *
 * <p>Encoding is deterministic: stores are walked in key order and replica ids are written once,
 * ascending, then referred to by index. Decoding treats its input as hostile: every index,
 * length, order and range is checked, every store dot must lie in its context, and any
 * violation is a {@link CodecException} naming it. Nothing is allocated beyond what the input's
 * own length pays for.
 */
final class StateEncoding implements StateEncodingHook.StateEncoding {

    // ---------------------------------------------------------------- encode

    @Override
    public StateEncodingHook.Payload toPayload(Crdt<?> value) {
        if (value instanceof GCounter c) {
            return new CounterPayload(c.counts());
        }
        if (value instanceof PNCounter c) {
            return new CounterPayload(c.increments(), c.decrements(), c.resetIncrements(), c.resetDecrements());
        }
        if (value instanceof LWWRegister r) {
            return new RegisterPayload(r);
        }
        return StateEncodingHook.Payload.of(toMessage(value));
    }

    @Override
    public MessageLite toMessage(Crdt<?> value) {
        if (value instanceof GCounter c) {
            GCounterState.Builder b = GCounterState.newBuilder();
            writeVector(c.counts(), b::addReplicas, b::addCounts);
            return b.build();
        }
        if (value instanceof PNCounter c) {
            PNCounterState.Builder b = PNCounterState.newBuilder();
            writeVector(c.increments(), b::addIncReplicas, b::addIncCounts);
            writeVector(c.decrements(), b::addDecReplicas, b::addDecCounts);
            writeVector(c.resetIncrements(), b::addResetIncReplicas, b::addResetIncCounts);
            writeVector(c.resetDecrements(), b::addResetDecReplicas, b::addResetDecCounts);
            return b.build();
        }
        if (value instanceof LWWRegister r) {
            LWWRegisterState.Builder b = LWWRegisterState.newBuilder();
            if (!r.isBottom()) {
                HybridTimestamp ts = r.timestamp().orElseThrow();
                b.setPhysical(ts.physicalMillis()).setLogical(ts.logical()).setReplica(ts.replica().value());
                r.value().ifPresentOrElse(v -> b.setValue(bytes(v)), () -> b.setDeleted(true));
            }
            return b.build();
        }
        if (value instanceof MVRegister r) {
            Table t = new Table();
            t.add(r.context);
            t.addDots(r.store);
            MVRegisterState.Builder b = MVRegisterState.newBuilder();
            t.writeTo(b::addReplicas);
            writeContext(r.context, t, b::addVvReplica, b::addVvCounter, b::addCloud);
            if (!r.store.isEmpty()) {
                b.setStore(mvStore(r.store, t));
            }
            return b.build();
        }
        if (value instanceof ORSet s) {
            Table t = new Table();
            t.add(s.context);
            t.addSet(s.store);
            ORSetState.Builder b = ORSetState.newBuilder();
            t.writeTo(b::addReplicas);
            writeContext(s.context, t, b::addVvReplica, b::addVvCounter, b::addCloud);
            if (!s.store.isEmpty() || s.store.partial) {
                b.setStore(setStore(s.store, t));
            }
            return b.build();
        }
        if (value instanceof EWFlag f) {
            Table t = new Table();
            t.add(f.context);
            t.addDots(f.dots);
            EWFlagState.Builder b = EWFlagState.newBuilder();
            t.writeTo(b::addReplicas);
            writeContext(f.context, t, b::addVvReplica, b::addVvCounter, b::addCloud);
            if (!f.dots.isEmpty()) {
                b.setStore(flagStore(f.dots, t));
            }
            return b.build();
        }
        if (value instanceof TypeConflict c) {
            TypeConflictState.Builder b = TypeConflictState.newBuilder();
            for (Crdt<?> part : c.parts()) {
                b.addParts(UnsafeByteOperations.unsafeWrap(CrdtCodec.encode(part)));
            }
            return b.build();
        }
        ORMap m = (ORMap) value;
        Table t = new Table();
        t.add(m.context);
        t.addMap(m.store, 1);
        ORMapState.Builder b = ORMapState.newBuilder();
        t.writeTo(b::addReplicas);
        writeContext(m.context, t, b::addVvReplica, b::addVvCounter, b::addCloud);
        if (!m.store.isEmpty() || m.store.partial) {
            b.setStore(mapStore(m.store, t));
        }
        return b.build();
    }

    private interface LongListWriter {
        void add(long value);
    }

    private static void writeVector(VersionVector v, LongListWriter replicas, LongListWriter counts) {
        for (int i = 0; i < v.size(); i++) {
            replicas.add(v.replica(i).value());
            counts.add(v.counter(i));
        }
    }

    private static void writeContext(DotContext c, Table t, IntConsumer vvReplica, LongConsumer vvCounter, LongConsumer cloud) {
        VersionVector v = c.versionVector();
        for (int i = 0; i < v.size(); i++) {
            vvReplica.accept(t.index(v.replica(i)));
            vvCounter.accept(v.counter(i));
        }
        for (int i = 0; i < c.cloudRanges(); i++) {
            cloud.accept(t.index(c.cloudReplica(i)));
            cloud.accept(c.cloudLow(i));
            cloud.accept(c.cloudHigh(i) - c.cloudLow(i));
        }
    }

    private static ByteString bytes(Bytes b) {
        return UnsafeByteOperations.unsafeWrap(b.array());
    }

    private static void writeDot(Dot d, Table t, IntConsumer replica, LongConsumer counter) {
        if (t.size() != 1) {
            replica.accept(t.index(d.replica()));
        }
        counter.accept(d.counter());
    }

    private static FlagStore flagStore(Dots dots, Table t) {
        FlagStore.Builder b = FlagStore.newBuilder();
        for (int i = 0; i < dots.size(); i++) {
            writeDot(dots.get(i), t, b::addDotReplica, b::addDotCounter);
        }
        return b.build();
    }

    private static MVStore mvStore(DotFun<Bytes> store, Table t) {
        MVStore.Builder b = MVStore.newBuilder();
        for (int i = 0; i < store.size(); i++) {
            writeDot(store.dot(i), t, b::addDotReplica, b::addDotCounter);
            b.addValues(bytes(store.value(i)));
        }
        return b.build();
    }

    private static CounterStore counterStore(DotFun<CounterEntry> store, Table t) {
        CounterStore.Builder b = CounterStore.newBuilder();
        for (int i = 0; i < store.size(); i++) {
            writeDot(store.dot(i), t, b::addDotReplica, b::addDotCounter);
            b.addIncrements(store.value(i).increments());
            b.addDecrements(store.value(i).decrements());
        }
        return b.build();
    }

    private static RegisterStore registerStore(DotFun<TimedValue> store, Table t) {
        RegisterStore.Builder b = RegisterStore.newBuilder();
        for (int i = 0; i < store.size(); i++) {
            writeDot(store.dot(i), t, b::addDotReplica, b::addDotCounter);
            HybridTimestamp ts = store.value(i).timestamp();
            b.addPhysical(ts.physicalMillis()).addLogical(ts.logical()).addWriter(t.index(ts.replica()));
            b.addValues(bytes(store.value(i).value()));
        }
        return b.build();
    }

    private static SetStore setStore(DotMap<Bytes, Dots> store, Table t) {
        SetStore.Builder b = SetStore.newBuilder();
        int blobSize = 0;
        boolean allSingle = true;
        for (Map.Entry<Bytes, Dots> e : store.entries) {
            int len = e.getKey().length();
            blobSize += CodedOutputStream.computeUInt32SizeNoTag(len) + len;
            allSingle &= e.getValue().size() == 1;
        }
        byte[] blob = new byte[blobSize];
        CodedOutputStream out = CodedOutputStream.newInstance(blob);
        try {
            for (Map.Entry<Bytes, Dots> e : store.entries) {
                byte[] element = e.getKey().array();
                out.writeUInt32NoTag(element.length);
                out.writeRawBytes(element);
                Dots dots = e.getValue();
                if (!allSingle) {
                    b.addDotCount(dots.size());
                }
                for (int i = 0; i < dots.size(); i++) {
                    writeDot(dots.get(i), t, b::addDotReplica, b::addDotCounter);
                }
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("element blob sized wrongly", e);
        }
        b.setElements(UnsafeByteOperations.unsafeWrap(blob));
        return b.setComplete(!store.partial).build();
    }

    private static MapStore mapStore(DotMap<FieldKey, Object> store, Table t) {
        MapStore.Builder b = MapStore.newBuilder();
        for (Map.Entry<FieldKey, Object> e : store.entries) {
            Field.Builder f = Field.newBuilder().setName(bytes(e.getKey().name()));
            writeField(f, e.getKey().kind(), e.getValue(), t);
            b.addFields(f);
        }
        return b.setComplete(!store.partial).build();
    }

    @SuppressWarnings("unchecked")
    private static void writeField(Field.Builder f, CrdtType kind, Object store, Table t) {
        switch (kind) {
            case G_COUNTER -> f.setGCounter(counterStore((DotFun<CounterEntry>) store, t));
            case PN_COUNTER -> f.setPnCounter(counterStore((DotFun<CounterEntry>) store, t));
            case LWW_REGISTER -> f.setLwwRegister(registerStore((DotFun<TimedValue>) store, t));
            case MV_REGISTER -> f.setMvRegister(mvStore((DotFun<Bytes>) store, t));
            case OR_SET -> f.setOrSet(setStore((DotMap<Bytes, Dots>) store, t));
            case EW_FLAG -> f.setEwFlag(flagStore((Dots) store, t));
            case OR_MAP -> f.setOrMap(mapStore((DotMap<FieldKey, Object>) store, t));
        }
    }

    /** The replica ids a value mentions, ascending, each with its index. */
    private static final class Table {
        private ReplicaId[] ids = new ReplicaId[4];
        private int n;
        private ReplicaId last;

        int size() {
            return n;
        }

        void add(ReplicaId r) {
            if (r.equals(last)) {
                return;
            }
            last = r;
            int at = Arrays.binarySearch(ids, 0, n, r);
            if (at >= 0) {
                return;
            }
            int insert = -at - 1;
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
            }
            System.arraycopy(ids, insert, ids, insert + 1, n - insert);
            ids[insert] = r;
            n++;
        }

        int index(ReplicaId r) {
            return Arrays.binarySearch(ids, 0, n, r);
        }

        void add(DotContext c) {
            VersionVector v = c.versionVector();
            for (int i = 0; i < v.size(); i++) {
                add(v.replica(i));
            }
            for (int i = 0; i < c.cloudRanges(); i++) {
                add(c.cloudReplica(i));
            }
        }

        void addDots(Dots dots) {
            for (int i = 0; i < dots.size(); i++) {
                add(dots.get(i).replica());
            }
        }

        void addDots(DotFun<?> store) {
            for (int i = 0; i < store.size(); i++) {
                add(store.dot(i).replica());
                if (store.value(i) instanceof TimedValue tv) {
                    add(tv.timestamp().replica());
                }
            }
        }

        void addSet(DotMap<Bytes, Dots> store) {
            for (Map.Entry<Bytes, Dots> e : store.entries) {
                addDots(e.getValue());
            }
        }

        @SuppressWarnings("unchecked")
        void addMap(DotMap<FieldKey, Object> store, int depth) {
            if (depth > ORMap.MAX_DEPTH) {
                throw new IllegalArgumentException("maps nest deeper than " + ORMap.MAX_DEPTH + " levels");
            }
            for (Map.Entry<FieldKey, Object> e : store.entries) {
                Object s = e.getValue();
                switch (e.getKey().kind()) {
                    case OR_SET -> addSet((DotMap<Bytes, Dots>) s);
                    case OR_MAP -> addMap((DotMap<FieldKey, Object>) s, depth + 1);
                    case EW_FLAG -> addDots((Dots) s);
                    default -> addDots((DotFun<?>) s);
                }
            }
        }

        void writeTo(LongListWriter out) {
            for (int i = 0; i < n; i++) {
                out.add(ids[i].value());
            }
        }
    }

    @Override
    public byte[] array(Bytes bytes) {
        return bytes.array();
    }

    // ---------------------------------------------------------------- decode

    @Override
    public Crdt<?> fromMessage(CrdtType type, CodedInputStream in) throws CodecException, IOException {
        return switch (type) {
            case G_COUNTER -> {
                GCounterState m = GCounterState.parser().parseFrom(in);
                yield GCounter.of(readVector("counter", m.getReplicasCount(), m::getReplicas, m.getCountsCount(), m::getCounts));
            }
            case PN_COUNTER -> {
                PNCounterState m = PNCounterState.parser().parseFrom(in);
                VersionVector p = readVector("increments", m.getIncReplicasCount(), m::getIncReplicas, m.getIncCountsCount(), m::getIncCounts);
                VersionVector n = readVector("decrements", m.getDecReplicasCount(), m::getDecReplicas, m.getDecCountsCount(), m::getDecCounts);
                VersionVector rp = readVector("reset increments", m.getResetIncReplicasCount(), m::getResetIncReplicas,
                        m.getResetIncCountsCount(), m::getResetIncCounts);
                VersionVector rn = readVector("reset decrements", m.getResetDecReplicasCount(), m::getResetDecReplicas,
                        m.getResetDecCountsCount(), m::getResetDecCounts);
                if (!rp.leq(p) || !rn.leq(n)) {
                    throw new CodecException("counter: a reset observed more than the counts hold");
                }
                yield PNCounter.of(p, n, rp, rn);
            }
            case LWW_REGISTER -> readRegister(LWWRegisterState.parser().parseFrom(in));
            case MV_REGISTER -> {
                MVRegisterState m = MVRegisterState.parser().parseFrom(in);
                ReplicaId[] table = readTable(m.getReplicasCount(), m::getReplicas);
                DotContext context = readContext(table, m.getVvReplicaCount(), m::getVvReplica, m.getVvCounterCount(),
                        m::getVvCounter, m.getCloudCount(), m::getCloud);
                yield MVRegister.of(m.hasStore() ? readMVStore(m.getStore(), table, context) : DotFun.empty(), context);
            }
            case OR_SET -> {
                ORSetState m = ORSetState.parser().parseFrom(in);
                ReplicaId[] table = readTable(m.getReplicasCount(), m::getReplicas);
                DotContext context = readContext(table, m.getVvReplicaCount(), m::getVvReplica, m.getVvCounterCount(),
                        m::getVvCounter, m.getCloudCount(), m::getCloud);
                yield ORSet.of(m.hasStore() ? readSetStore(m.getStore(), table, context) : ORSet.OPS.bottom(false), context);
            }
            case EW_FLAG -> {
                EWFlagState m = EWFlagState.parser().parseFrom(in);
                ReplicaId[] table = readTable(m.getReplicasCount(), m::getReplicas);
                DotContext context = readContext(table, m.getVvReplicaCount(), m::getVvReplica, m.getVvCounterCount(),
                        m::getVvCounter, m.getCloudCount(), m::getCloud);
                yield EWFlag.of(m.hasStore() ? readFlagStore(m.getStore(), table, context) : Dots.empty(), context);
            }
            case OR_MAP -> {
                ORMapState m = ORMapState.parser().parseFrom(in);
                ReplicaId[] table = readTable(m.getReplicasCount(), m::getReplicas);
                DotContext context = readContext(table, m.getVvReplicaCount(), m::getVvReplica, m.getVvCounterCount(),
                        m::getVvCounter, m.getCloudCount(), m::getCloud);
                yield ORMap.of(m.hasStore() ? readMapStore(m.getStore(), table, context, 1) : ORMap.OPS.bottom(false), context);
            }
            case TYPE_CONFLICT -> readTypeConflict(TypeConflictState.parser().parseFrom(in));
        };
    }

    private static TypeConflict readTypeConflict(TypeConflictState m) throws CodecException {
        if (m.getPartsCount() == 1) {
            throw new CodecException("type conflict: one part (a key of one type is stored as that type)");
        }
        List<Crdt<?>> parts = new ArrayList<>(m.getPartsCount());
        int lastTag = 0;
        for (ByteString b : m.getPartsList()) {
            byte[] bytes = b.toByteArray();
            // Checked from the header before the part is decoded: a nested conflict would recurse
            // outside the codec's recursion limit, and copy the rest of the input at every level.
            CrdtType type = CrdtCodec.typeOf(bytes);
            if (type == CrdtType.TYPE_CONFLICT) {
                throw new CodecException("type conflict: a part is itself a type conflict");
            }
            if (type.tag() <= lastTag) {
                throw new CodecException("type conflict: parts not in ascending type order");
            }
            lastTag = type.tag();
            Crdt<?> part = CrdtCodec.decode(bytes);
            if (part.isBottom()) {
                throw new CodecException("type conflict: a part of " + part.type() + " is bottom");
            }
            parts.add(part);
        }
        return TypeConflict.of(parts);
    }

    private interface LongAt {
        long at(int index);
    }

    private interface IntAt {
        int at(int index);
    }

    private static ReplicaId replica(long id, String what) throws CodecException {
        if (id == 0) {
            throw new CodecException(what + ": replica id 0 is reserved");
        }
        return ReplicaId.of(id);
    }

    private static VersionVector readVector(String what, int replicas, LongAt replica, int counts, LongAt count) throws CodecException {
        if (replicas != counts) {
            throw new CodecException(what + ": " + replicas + " replicas but " + counts + " counts");
        }
        ReplicaId[] ids = new ReplicaId[replicas];
        long[] values = new long[replicas];
        for (int i = 0; i < replicas; i++) {
            ids[i] = replica(replica.at(i), what);
            values[i] = count.at(i);
        }
        try {
            return VersionVector.ofSorted(ids, values);
        } catch (IllegalArgumentException e) {
            throw new CodecException(what + ": " + e.getMessage());
        }
    }

    private static LWWRegister readRegister(LWWRegisterState m) throws CodecException {
        if (m.getReplica() == 0) {
            if (m.getPhysical() != 0 || m.getLogical() != 0 || !m.getValue().isEmpty() || m.getDeleted()) {
                throw new CodecException("register: a written value without a writer");
            }
            return LWWRegister.empty();
        }
        HybridTimestamp ts = timestamp(m.getPhysical(), m.getLogical(), replica(m.getReplica(), "register"));
        if (m.getDeleted()) {
            if (!m.getValue().isEmpty()) {
                throw new CodecException("register: a deleted register with a value");
            }
            return LWWRegister.deleted(ts);
        }
        return LWWRegister.of(ts, Bytes.wrap(m.getValue().toByteArray()));
    }

    private static HybridTimestamp timestamp(long physical, int logical, ReplicaId replica) throws CodecException {
        try {
            return new HybridTimestamp(physical, logical, replica);
        } catch (IllegalArgumentException e) {
            throw new CodecException("timestamp: " + e.getMessage());
        }
    }

    private static ReplicaId[] readTable(int count, LongAt id) throws CodecException {
        ReplicaId[] table = new ReplicaId[count];
        for (int i = 0; i < count; i++) {
            table[i] = replica(id.at(i), "replica table");
            if (i > 0 && table[i - 1].compareTo(table[i]) >= 0) {
                throw new CodecException("replica table not strictly ascending at index " + i);
            }
        }
        return table;
    }

    private static ReplicaId lookup(ReplicaId[] table, int index, String what) throws CodecException {
        if (index < 0 || index >= table.length) {
            throw new CodecException(what + ": replica index " + Integer.toUnsignedString(index)
                    + " outside a table of " + table.length);
        }
        return table[index];
    }

    private static DotContext readContext(ReplicaId[] table, int vvCount, IntAt vvReplica, int vvCounters, LongAt vvCounter,
                                          int cloudCount, LongAt cloud) throws CodecException {
        if (vvCount != vvCounters) {
            throw new CodecException("context: " + vvCount + " vector replicas but " + vvCounters + " counters");
        }
        if (cloudCount % 3 != 0) {
            throw new CodecException("context: dot cloud of " + cloudCount + " numbers is not a list of triples");
        }
        ReplicaId[] vr = new ReplicaId[vvCount];
        long[] vc = new long[vvCount];
        for (int i = 0; i < vvCount; i++) {
            vr[i] = lookup(table, vvReplica.at(i), "context");
            vc[i] = vvCounter.at(i);
        }
        int ranges = cloudCount / 3;
        ReplicaId[] cr = new ReplicaId[ranges];
        long[] lo = new long[ranges];
        long[] hi = new long[ranges];
        for (int i = 0; i < ranges; i++) {
            long index = cloud.at(3 * i);
            if (index < 0 || index >= table.length) {
                throw new CodecException("context: cloud replica index " + Long.toUnsignedString(index)
                        + " outside a table of " + table.length);
            }
            cr[i] = table[(int) index];
            lo[i] = cloud.at(3 * i + 1);
            long span = cloud.at(3 * i + 2);
            if (lo[i] < 1 || span < 0 || lo[i] > Long.MAX_VALUE - span) {
                throw new CodecException("context: invalid cloud range " + Long.toUnsignedString(lo[i]) + " +"
                        + Long.toUnsignedString(span));
            }
            hi[i] = lo[i] + span;
        }
        try {
            return DotContext.of(VersionVector.ofSorted(vr, vc), cr, lo, hi);
        } catch (IllegalArgumentException e) {
            throw new CodecException("context: " + e.getMessage());
        }
    }

    /** Reads dots {@code from..from+count} of a dot list, checking order and the context. */
    private static final class DotReader {
        private final ReplicaId[] table;
        private final DotContext context;
        private final int replicaCount;
        private final IntAt replica;
        private final LongAt counter;
        private final String what;

        DotReader(String what, ReplicaId[] table, DotContext context, int replicaCount, IntAt replica,
                  int counterCount, LongAt counter) throws CodecException {
            this.what = what;
            this.table = table;
            this.context = context;
            this.replicaCount = replicaCount;
            this.replica = replica;
            this.counter = counter;
            if (table.length == 1 ? replicaCount != 0 : replicaCount != counterCount) {
                throw new CodecException(what + ": " + replicaCount + " dot replicas for " + counterCount
                        + " dots and a table of " + table.length);
            }
        }

        Dot dot(int i) throws CodecException {
            ReplicaId r = replicaCount == 0 ? lookup(table, 0, what) : lookup(table, replica.at(i), what);
            long c = counter.at(i);
            if (c < 1) {
                throw new CodecException(what + ": dot counter " + Long.toUnsignedString(c) + " is not positive");
            }
            Dot d = new Dot(r, c);
            if (!context.contains(d)) {
                throw new CodecException(what + ": dot " + d + " lies outside the causal context");
            }
            return d;
        }

        Dots dots(int from, int count) throws CodecException {
            if (count == 1) {
                return dot(from);
            }
            Dot[] out = new Dot[count];
            for (int i = 0; i < count; i++) {
                out[i] = dot(from + i);
            }
            try {
                return Dots.ofSorted(out, count);
            } catch (IllegalArgumentException e) {
                throw new CodecException(what + ": " + e.getMessage());
            }
        }
    }

    private static Dots readFlagStore(FlagStore m, ReplicaId[] table, DotContext context) throws CodecException {
        DotReader dots = new DotReader("flag", table, context, m.getDotReplicaCount(), m::getDotReplica,
                m.getDotCounterCount(), m::getDotCounter);
        return dots.dots(0, m.getDotCounterCount());
    }

    private static DotFun<Bytes> readMVStore(MVStore m, ReplicaId[] table, DotContext context) throws CodecException {
        int n = m.getDotCounterCount();
        if (m.getValuesCount() != n) {
            throw new CodecException("multi-value register: " + m.getValuesCount() + " values for " + n + " dots");
        }
        DotReader reader = new DotReader("multi-value register", table, context, m.getDotReplicaCount(), m::getDotReplica,
                n, m::getDotCounter);
        Dot[] dots = new Dot[n];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            dots[i] = reader.dot(i);
            values[i] = Bytes.wrap(m.getValues(i).toByteArray());
        }
        return dotFun("multi-value register", dots, values, n);
    }

    private static DotFun<CounterEntry> readCounterStore(CounterStore m, ReplicaId[] table, DotContext context) throws CodecException {
        int n = m.getDotCounterCount();
        if (m.getIncrementsCount() != n || m.getDecrementsCount() != n) {
            throw new CodecException("counter field: " + m.getIncrementsCount() + " increments and "
                    + m.getDecrementsCount() + " decrements for " + n + " dots");
        }
        DotReader reader = new DotReader("counter field", table, context, m.getDotReplicaCount(), m::getDotReplica,
                n, m::getDotCounter);
        Dot[] dots = new Dot[n];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            dots[i] = reader.dot(i);
            long inc = m.getIncrements(i);
            long dec = m.getDecrements(i);
            if (inc < 0 || dec < 0) {
                throw new CodecException("counter field: a total exceeds 2^63 - 1");
            }
            values[i] = new CounterEntry(inc, dec);
        }
        return dotFun("counter field", dots, values, n);
    }

    private static DotFun<TimedValue> readRegisterStore(RegisterStore m, ReplicaId[] table, DotContext context) throws CodecException {
        int n = m.getDotCounterCount();
        if (m.getPhysicalCount() != n || m.getLogicalCount() != n || m.getWriterCount() != n || m.getValuesCount() != n) {
            throw new CodecException("register field: timestamps and values do not match its " + n + " dots");
        }
        DotReader reader = new DotReader("register field", table, context, m.getDotReplicaCount(), m::getDotReplica,
                n, m::getDotCounter);
        Dot[] dots = new Dot[n];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            dots[i] = reader.dot(i);
            HybridTimestamp ts = timestamp(m.getPhysical(i), m.getLogical(i), lookup(table, m.getWriter(i), "register field"));
            values[i] = new TimedValue(ts, Bytes.wrap(m.getValues(i).toByteArray()));
        }
        return dotFun("register field", dots, values, n);
    }

    private static <V> DotFun<V> dotFun(String what, Dot[] dots, Object[] values, int n) throws CodecException {
        try {
            return DotFun.ofSorted(dots, values, n);
        } catch (IllegalArgumentException e) {
            throw new CodecException(what + ": " + e.getMessage());
        }
    }

    private static DotMap<Bytes, Dots> readSetStore(SetStore m, ReplicaId[] table, DotContext context) throws CodecException {
        byte[] blob = m.getElements().toByteArray();
        List<Bytes> elements = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(blob);
        try {
            while (!in.isAtEnd()) {
                int length = in.readUInt32();
                if (length < 0 || length > blob.length - in.getTotalBytesRead()) {
                    throw new CodecException("set: element length " + Integer.toUnsignedString(length) + " overruns the element list");
                }
                Bytes element = Bytes.wrap(in.readRawBytes(length));
                if (!elements.isEmpty() && elements.get(elements.size() - 1).compareTo(element) >= 0) {
                    throw new CodecException("set: elements not strictly ascending at element " + elements.size());
                }
                elements.add(element);
            }
        } catch (IOException e) {
            throw new CodecException("set: malformed element list", e);
        }
        int n = elements.size();
        int dotsTotal = m.getDotCounterCount();
        int counts = m.getDotCountCount();
        if (counts != 0 && counts != n) {
            throw new CodecException("set: " + counts + " dot counts for " + n + " elements");
        }
        DotReader reader = new DotReader("set", table, context, m.getDotReplicaCount(), m::getDotReplica,
                dotsTotal, m::getDotCounter);
        boolean complete = m.getComplete();
        Bytes[] keys = elements.toArray(new Bytes[0]);
        Dots[] values = new Dots[n];
        int next = 0;
        for (int i = 0; i < n; i++) {
            int count = counts == 0 ? 1 : m.getDotCount(i);
            if (count < 0 || count > dotsTotal - next) {
                throw new CodecException("set: dot counts exceed the " + dotsTotal + " dots given");
            }
            if (count == 0 && complete) {
                throw new CodecException("set: element " + keys[i] + " has no dots in a complete set");
            }
            values[i] = reader.dots(next, count);
            next += count;
        }
        if (next != dotsTotal) {
            throw new CodecException("set: " + (dotsTotal - next) + " dots belong to no element");
        }
        return new DotMap<>(PersistentSortedMap.fromSorted(ORSet.OPS.keyOrder(), keys, values, n), !complete);
    }

    private static DotMap<FieldKey, Object> readMapStore(MapStore m, ReplicaId[] table, DotContext context, int depth) throws CodecException {
        if (depth > ORMap.MAX_DEPTH) {
            throw new CodecException("map: nested deeper than " + ORMap.MAX_DEPTH + " levels");
        }
        int n = m.getFieldsCount();
        boolean complete = m.getComplete();
        FieldKey[] keys = new FieldKey[n];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            Field f = m.getFields(i);
            Bytes name = Bytes.wrap(f.getName().toByteArray());
            CrdtType kind;
            Object store;
            switch (f.getStoreCase()) {
                case G_COUNTER -> {
                    kind = CrdtType.G_COUNTER;
                    DotFun<CounterEntry> entries = readCounterStore(f.getGCounter(), table, context);
                    for (int j = 0; j < entries.size(); j++) {
                        if (entries.value(j).decrements() != 0) {
                            throw new CodecException("map: grow-only counter field '" + name + "' has decrements");
                        }
                    }
                    store = entries;
                }
                case PN_COUNTER -> {
                    kind = CrdtType.PN_COUNTER;
                    store = readCounterStore(f.getPnCounter(), table, context);
                }
                case LWW_REGISTER -> {
                    kind = CrdtType.LWW_REGISTER;
                    store = readRegisterStore(f.getLwwRegister(), table, context);
                }
                case MV_REGISTER -> {
                    kind = CrdtType.MV_REGISTER;
                    store = readMVStore(f.getMvRegister(), table, context);
                }
                case OR_SET -> {
                    kind = CrdtType.OR_SET;
                    store = readSetStore(f.getOrSet(), table, context);
                }
                case EW_FLAG -> {
                    kind = CrdtType.EW_FLAG;
                    store = readFlagStore(f.getEwFlag(), table, context);
                }
                case OR_MAP -> {
                    kind = CrdtType.OR_MAP;
                    store = readMapStore(f.getOrMap(), table, context, depth + 1);
                }
                default -> throw new CodecException("map: field '" + name + "' has no store");
            }
            keys[i] = new FieldKey(name, kind);
            if (i > 0 && keys[i - 1].compareTo(keys[i]) >= 0) {
                throw new CodecException("map: fields not strictly ascending at '" + name + "'");
            }
            if (complete && ORMap.opsFor(kind).isEmpty(store)) {
                throw new CodecException("map: field '" + name + "' is empty in a complete map");
            }
            if (complete && store instanceof DotMap<?, ?> nested && nested.partial) {
                // A state's fields are states: a partial one reads as a field the join would drop.
                throw new CodecException("map: field '" + name + "' holds a partial store in a complete map");
            }
            values[i] = store;
        }
        return new DotMap<>(PersistentSortedMap.fromSorted(ORMap.OPS.keyOrder(), keys, values, n), !complete);
    }
}
