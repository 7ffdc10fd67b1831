package dev.converge.node;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridClock;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.Hashing;
import java.io.PrintStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An in-process demonstration of crdt-core: each replica updates four documents while cut off
 * from the others, then every delta reaches every other replica in a shuffled order, some twice.
 * The replicas end byte-identical. The demo's clocks are simulated, so a run is a pure function
 * of its seed.
 */
final class CrdtDemo {

    private static final String[] NAMES = {"A", "B", "C"};
    private static final Bytes COUNTER = Bytes.of("visits");
    private static final Bytes REGISTER = Bytes.of("title");
    private static final Bytes SET = Bytes.of("tags");
    private static final Bytes MAP = Bytes.of("profile");

    private final long seed;
    private final PrintStream out;

    CrdtDemo(long seed, PrintStream out) {
        this.seed = seed;
        this.out = out;
    }

    /** One replica's documents, by key. */
    private static final class Replica {
        final String name;
        final ReplicaId id;
        final HybridClock clock;
        final Map<Bytes, Crdt<?>> docs = new LinkedHashMap<>();

        Replica(String name, long id, long clockSkewMillis) {
            this.name = name;
            this.id = ReplicaId.of(id);
            this.clock = new HybridClock(this.id, fixedClock(1_700_000_000_000L + clockSkewMillis));
            docs.put(COUNTER, PNCounter.empty());
            docs.put(REGISTER, LWWRegister.empty());
            docs.put(SET, ORSet.empty());
            docs.put(MAP, ORMap.empty());
        }
    }

    /** A delta on its way from one replica to the others. */
    private record Delta(String from, Bytes key, Crdt<?> value) {
    }

    boolean run() {
        List<Replica> replicas = List.of(new Replica("A", 0xA1, 0), new Replica("B", 0xB2, -1_500), new Replica("C", 0xC3, 2_000));
        List<Delta> deltas = new ArrayList<>();
        out.println("Converge demo: three replicas, four documents, no coordination.");
        out.println();
        out.println("1. Each replica writes while cut off from the others:");
        Replica a = replicas.get(0);
        Replica b = replicas.get(1);
        Replica c = replicas.get(2);
        update(a, deltas, COUNTER, PNCounter.class, "visits += 5", d -> d.add(a.id, 5));
        update(b, deltas, COUNTER, PNCounter.class, "visits += 3", d -> d.add(b.id, 3));
        update(c, deltas, COUNTER, PNCounter.class, "visits -= 1", d -> d.add(c.id, -1));
        update(a, deltas, REGISTER, LWWRegister.class, "title = \"draft\"", d -> d.set(a.id, a.clock.now(), Bytes.of("draft")));
        update(c, deltas, REGISTER, LWWRegister.class, "title = \"final\"", d -> d.set(c.id, c.clock.now(), Bytes.of("final")));
        update(a, deltas, SET, ORSet.class, "tags += {crdt, jvm}", d -> d.addAll(a.id, List.of(Bytes.of("crdt"), Bytes.of("jvm"))));
        update(b, deltas, SET, ORSet.class, "tags += {offline}", d -> d.add(b.id, Bytes.of("offline")));
        update(a, deltas, SET, ORSet.class, "tags -= {jvm}", d -> d.remove(Bytes.of("jvm")));
        update(c, deltas, SET, ORSet.class, "tags += {jvm}", d -> d.add(c.id, Bytes.of("jvm")));
        update(b, deltas, MAP, ORMap.class, "profile.city = \"Lyon\"", d -> d.setRegister(b.id, b.clock.now(), Bytes.of("city"), Bytes.of("Lyon")));
        update(c, deltas, MAP, ORMap.class, "profile.logins += 2", d -> d.increment(c.id, Bytes.of("logins"), 2));
        update(a, deltas, MAP, ORMap.class, "profile.logins += 1", d -> d.increment(a.id, Bytes.of("logins"), 1));
        out.println();

        out.println("2. Before any exchange the replicas disagree:");
        printTable(replicas);
        out.println();

        // Every delta goes to every other replica; a third of them twice; all in shuffled order.
        Random random = new Random(seed);
        List<Map.Entry<Replica, Delta>> deliveries = new ArrayList<>();
        for (Delta d : deltas) {
            for (Replica r : replicas) {
                if (!r.name.equals(d.from())) {
                    deliveries.add(Map.entry(r, d));
                    if (random.nextInt(3) == 0) {
                        deliveries.add(Map.entry(r, d));
                    }
                }
            }
        }
        Collections.shuffle(deliveries, random);
        int duplicates = deliveries.size() - deltas.size() * (replicas.size() - 1);
        out.printf("3. Delivering %d deltas (%d of them duplicates) in shuffled order (seed %d)...%n",
                deliveries.size(), duplicates, seed);
        int changed = 0;
        for (Map.Entry<Replica, Delta> delivery : deliveries) {
            Replica r = delivery.getKey();
            Delta d = delivery.getValue();
            var merge = Crdt.mergeAny(r.docs.get(d.key()), d.value());
            if (merge.changed()) {
                changed++;
            }
            r.docs.put(d.key(), merge.state());
        }
        out.printf("   %d deliveries changed a replica; %d brought nothing new (duplicates, or already covered).%n%n",
                changed, deliveries.size() - changed);

        out.println("4. After the exchange:");
        printTable(replicas);
        out.println();

        List<Long> digests = replicas.stream().map(CrdtDemo::digest).toList();
        boolean converged = digests.stream().distinct().count() == 1;
        if (converged) {
            out.printf("Converged: all three replicas hold byte-identical states (digest %016x).%n", digests.get(0));
            out.println("The add of 'jvm' on C was concurrent with its remove on A, so it wins; the title with");
            out.println("the greatest hybrid timestamp wins; the counters sum every replica's updates.");
        } else {
            out.println("NOT CONVERGED: the replicas' digests differ: " + digests);
        }
        return converged;
    }

    private <S extends Crdt<S>> void update(Replica r, List<Delta> deltas, Bytes key, Class<S> type, String what,
                                            Function<S, Mutation<S>> operation) {
        Mutation<S> mutation = operation.apply(type.cast(r.docs.get(key)));
        r.docs.put(key, mutation.state());
        deltas.add(new Delta(r.name, key, mutation.delta()));
        out.printf("   %s: %-26s delta %3d bytes%n", r.name, what, CrdtCodec.encode(mutation.delta()).length);
    }

    private void printTable(List<Replica> replicas) {
        out.printf("   %-9s %-10s %-10s %-20s %s%n", "replica", "visits", "title", "tags", "profile");
        for (Replica r : replicas) {
            out.printf("   %-9s %-10s %-10s %-20s %s%n", r.name,
                    ((PNCounter) r.docs.get(COUNTER)).value(),
                    ((LWWRegister) r.docs.get(REGISTER)).value().map(Bytes::asString).orElse("-"),
                    ((ORSet) r.docs.get(SET)).elements().stream().map(Bytes::asString).collect(Collectors.joining(", ", "{", "}")),
                    profile((ORMap) r.docs.get(MAP)));
        }
    }

    private static String profile(ORMap map) {
        List<String> fields = new ArrayList<>();
        for (Bytes name : map.fieldNames()) {
            String value = map.counter(name).isPresent()
                    ? String.valueOf(map.counter(name).getAsLong())
                    : map.register(name).map(v -> "\"" + v.asString() + "\"").orElse("?");
            fields.add(name.asString() + "=" + value);
        }
        return "{" + String.join(", ", fields) + "}";
    }

    private static long digest(Replica r) {
        long sum = 0;
        for (var e : r.docs.entrySet()) {
            sum += Hashing.documentHash(e.getKey(), CrdtCodec.encode(e.getValue()));
        }
        return sum;
    }

    private static InstantSource fixedClock(long millis) {
        return new InstantSource() {
            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis);
            }

            @Override
            public long millis() {
                return millis;
            }
        };
    }
}
