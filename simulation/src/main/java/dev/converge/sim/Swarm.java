package dev.converge.sim;

import dev.converge.replica.sync.SyncConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The fault and environment parameters of one seed, themselves drawn from the seed ("swarm
 * testing", Groce et al. 2012): different seeds stress different mixes — one a lossy mesh with
 * buffered disks, another a ring with slow fsyncs and clock jumps — instead of every seed a
 * little of everything. Shrinking sets them to their calmest values.
 *
 * @param healthyDelayMillis mean link delay outside chaos
 * @param chaosDelayMillis during chaos, each link's mean delay is drawn up to this
 * @param loss each link's loss probability is drawn up to this (0 when the kind is off)
 * @param duplicate as loss, for duplication
 * @param reorder as loss, for a message overtaking earlier ones
 * @param detectMillis ends notice a dead connection within this
 * @param reconnectMillis ends reconnect a restored connection within this
 * @param groupDelayMillis a commit group is written within this of its first commit
 * @param fsyncMillis an fsync takes this long
 * @param flushMillis the kernel writes buffered log bytes to disk this often
 * @param retainedLogEntries the engine's delta-log retention beyond acknowledged entries; small values force digest catch-up
 * @param antiEntropyMillis the engine's period of digest backstops with each peer; short ones overlap the delta flow throughout
 * @param opWeights weight of each {@link OpKind}, by ordinal
 */
public record Swarm(Topology.Kind topology, SimStore.Durability durability, double healthyDelayMillis, double chaosDelayMillis,
                    double loss, double duplicate, double reorder, long detectMillis, long reconnectMillis,
                    long groupDelayMillis, long fsyncMillis, long flushMillis, long retainedLogEntries, long antiEntropyMillis,
                    List<Integer> opWeights) {

    private static final long DEFAULT_ANTI_ENTROPY_MILLIS = SyncConfig.defaults().antiEntropyIntervalMillis();

    public Swarm {
        opWeights = List.copyOf(opWeights);
        if (opWeights.size() != OpKind.values().length) {
            throw new IllegalArgumentException("need " + OpKind.values().length + " operation weights, got " + opWeights.size());
        }
    }

    /** Draws the parameters of a seed under {@code config}. */
    static Swarm draw(SimConfig config, RandomGenerator r, java.util.Set<FaultKind> enabled) {
        Topology.Kind[] shapes = Topology.Kind.values();
        Topology.Kind topology = r.nextInt(10) < 6 ? Topology.Kind.FULL : shapes[1 + r.nextInt(shapes.length - 1)];
        SimStore.Durability durability = config.durability()
                .orElse(r.nextBoolean() ? SimStore.Durability.SYNC : SimStore.Durability.BUFFERED);
        double healthy = 0.5 + r.nextDouble() * 2.5;
        double chaosDelay = healthy * Math.exp(r.nextDouble() * Math.log(100));
        double loss = enabled.contains(FaultKind.LOSS) ? r.nextDouble() * 0.25 : 0;
        double duplicate = enabled.contains(FaultKind.DUPLICATION) ? r.nextDouble() * 0.15 : 0;
        double reorder = enabled.contains(FaultKind.REORDER) ? r.nextDouble() * 0.3 : 0;
        long detect = 10 + r.nextLong(3_000);
        long reconnect = 1 + r.nextLong(1_000);
        long groupDelay = r.nextLong(6);
        long fsync = r.nextLong(11);
        long flush = 50 + r.nextLong(5_000);
        long[] retention = {1_000_000, 1_000_000, 64, 8, 0};
        long retained = retention[r.nextInt(retention.length)];
        List<Integer> weights = new ArrayList<>();
        for (OpKind k : OpKind.values()) {
            if (k != OpKind.CROSS_TYPE_ADD) {
                int pick = r.nextInt(4); // 0: off, 1-3: a multiple of the default
                weights.add(pick == 0 ? 0 : k.defaultWeight() * pick);
            }
        }
        if (weights.stream().mapToInt(Integer::intValue).sum() == 0) {
            weights.set(OpKind.SET_ADD.ordinal(), 1);
        }
        // Drawn last, so the parameters above stay what they were for every seed.
        long[] backstops = {DEFAULT_ANTI_ENTROPY_MILLIS, DEFAULT_ANTI_ENTROPY_MILLIS, 2_000, 500};
        long antiEntropy = backstops[r.nextInt(backstops.length)];
        int crossPick = r.nextInt(4); // drawn after everything above, which stays as it was for every seed
        weights.add(OpKind.CROSS_TYPE_ADD.ordinal(), crossPick == 0 ? 0 : OpKind.CROSS_TYPE_ADD.defaultWeight() * crossPick);
        return new Swarm(topology, durability, healthy, chaosDelay, loss, duplicate, reorder, detect, reconnect, groupDelay, fsync,
                flush, retained, antiEntropy, weights);
    }

    /** The calmest version of these parameters: no loss, duplication or reordering, short delays. */
    Swarm calmer() {
        return new Swarm(topology, durability, 1, 1, 0, 0, 0, 10, 1, 0, 0, flushMillis, retainedLogEntries, antiEntropyMillis, opWeights);
    }

    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("topology", topology.name());
        m.put("durability", durability.name());
        m.put("healthyDelayMillis", Double.toString(healthyDelayMillis));
        m.put("chaosDelayMillis", Double.toString(chaosDelayMillis));
        m.put("loss", Double.toString(loss));
        m.put("duplicate", Double.toString(duplicate));
        m.put("reorder", Double.toString(reorder));
        m.put("detectMillis", Long.toString(detectMillis));
        m.put("reconnectMillis", Long.toString(reconnectMillis));
        m.put("groupDelayMillis", Long.toString(groupDelayMillis));
        m.put("fsyncMillis", Long.toString(fsyncMillis));
        m.put("flushMillis", Long.toString(flushMillis));
        m.put("retainedLogEntries", Long.toString(retainedLogEntries));
        m.put("antiEntropyMillis", Long.toString(antiEntropyMillis));
        StringBuilder w = new StringBuilder();
        for (int x : opWeights) {
            w.append(w.length() == 0 ? "" : ",").append(x);
        }
        m.put("opWeights", w.toString());
        return m;
    }

    static Swarm fromMap(Map<String, String> m) {
        List<Integer> weights = new ArrayList<>();
        for (String s : need(m, "opWeights").split(",")) {
            weights.add(Integer.parseInt(s));
        }
        while (weights.size() < OpKind.values().length) {
            weights.add(0); // a repro file written before the kinds that follow existed
        }
        return new Swarm(Topology.Kind.valueOf(need(m, "topology")), SimStore.Durability.valueOf(need(m, "durability")),
                Double.parseDouble(need(m, "healthyDelayMillis")), Double.parseDouble(need(m, "chaosDelayMillis")),
                Double.parseDouble(need(m, "loss")), Double.parseDouble(need(m, "duplicate")), Double.parseDouble(need(m, "reorder")),
                Long.parseLong(need(m, "detectMillis")), Long.parseLong(need(m, "reconnectMillis")),
                Long.parseLong(need(m, "groupDelayMillis")), Long.parseLong(need(m, "fsyncMillis")),
                Long.parseLong(need(m, "flushMillis")), Long.parseLong(need(m, "retainedLogEntries")),
                // Absent from repro files written before it was drawn: those ran the engine's default.
                Long.parseLong(m.getOrDefault("antiEntropyMillis", Long.toString(DEFAULT_ANTI_ENTROPY_MILLIS))), weights);
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("scenario swarm lacks '" + key + "'");
        }
        return v;
    }
}
