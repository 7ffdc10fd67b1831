package dev.converge.sim.experiment;

import dev.converge.crdt.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The workloads of Enes et al. (ICDE 2019, section VI): every node makes one update per event.
 * GSet: an add of a unique element. GCounter: an increment. GMap K%: an LWW map over 1,000 keys,
 * each key owned by one node (key k by node k mod N), where each event overwrites K% of the
 * node's own keys, so each second K% of all keys change.
 */
public enum Workload {
    GSET("GSet", 0),
    GCOUNTER("GCounter", 0),
    GMAP_10("GMap 10%", 10),
    GMAP_30("GMap 30%", 30),
    GMAP_60("GMap 60%", 60),
    GMAP_100("GMap 100%", 100);

    /** Keys of the GMap workloads. */
    public static final int MAP_KEYS = 1_000;
    static final Bytes SET_KEY = Bytes.of("gset");
    static final Bytes COUNTER_KEY = Bytes.of("gcounter");

    private final String label;
    private final int percent;

    Workload(String label, int percent) {
        this.label = label;
        this.percent = percent;
    }

    public String label() {
        return label;
    }

    public boolean isMap() {
        return percent > 0;
    }

    /** One key written by an event: the document, and for sets the element added. */
    record Update(Bytes key, Bytes value) {
    }

    /** The updates node {@code node} of {@code nodes} makes at its event {@code event}. */
    List<Update> updates(int node, int nodes, int event, SplittableRandom random) {
        Bytes unique = Bytes.of("n" + node + "-" + event);
        return switch (this) {
            case GSET -> List.of(new Update(SET_KEY, unique));
            case GCOUNTER -> List.of(new Update(COUNTER_KEY, null));
            default -> {
                List<Integer> own = new ArrayList<>();
                for (int k = node; k < MAP_KEYS; k += nodes) {
                    own.add(k);
                }
                int count = Math.max(1, Math.round(own.size() * percent / 100f));
                for (int i = 0; i < count; i++) {
                    int j = i + random.nextInt(own.size() - i);
                    Integer t = own.get(i);
                    own.set(i, own.get(j));
                    own.set(j, t);
                }
                List<Update> out = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    out.add(new Update(mapKey(own.get(i)), unique));
                }
                yield out;
            }
        };
    }

    static Bytes mapKey(int k) {
        return Bytes.of(String.format("k%04d", k));
    }
}
