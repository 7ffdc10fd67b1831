package dev.converge.sim.experiment;

import dev.converge.sim.Topology;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code ./converge sim experiment enes|partition|scale|all [--quick]}: the protocol measured
 * against the literature, printed as Markdown tables (docs/SIMULATION.md explains the method).
 *
 * <ul>
 * <li><b>enes</b>: the experiment of Enes et al. (ICDE 2019): 15 nodes in a partial mesh (node
 *     i linked to i ± 1 and i ± 4 mod 15) and in a complete binary tree, one update per node per
 *     second for 100 s, synchronisation every second at random phases; GSet, GCounter and GMap
 *     10/30/60/100%; state-based, delta, delta+BP, delta+RR, delta+BP+RR (models) and the real
 *     engine.
 * <li><b>partition</b>: 16 nodes (i ± 1, i ± 4 mod 16), every link between the halves cut from
 *     50 s to 75 s while both halves update; bytes from the heal to convergence against the true
 *     difference, and periods to converge, with unbounded and with truncated delta logs.
 * <li><b>scale</b>: gossip periods for one write to reach every node, for 10 to 1,000 nodes.
 * </ul>
 */
public final class Experiments {

    private static final long SEED = 2019;
    /** The ratios Enes et al. publish for delta+BP+RR against state-based (tree, mesh). */
    private static final Map<Workload, double[]> PUBLISHED = new EnumMap<>(Workload.class);

    static {
        PUBLISHED.put(Workload.GSET, new double[] {0.012, 0.017});
        PUBLISHED.put(Workload.GCOUNTER, new double[] {0.63, 0.90});
        PUBLISHED.put(Workload.GMAP_10, new double[] {0.057, 0.090});
        PUBLISHED.put(Workload.GMAP_100, new double[] {0.49, 0.75});
    }

    private Experiments() {
    }

    /** Runs the named experiments; returns the exit code (0, or 2 for a usage error). */
    public static int main(String[] args, PrintStream out) {
        boolean quick = List.of(args).contains("--quick");
        String which = args.length == 0 ? "" : args[0];
        switch (which) {
            case "enes" -> enes(out, quick);
            case "partition" -> partition(out, quick);
            case "scale" -> scale(out, quick);
            case "all" -> {
                enes(out, quick);
                partition(out, quick);
                scale(out, quick);
            }
            default -> {
                out.println("usage: ./converge sim experiment enes|partition|scale|all [--quick]");
                return 2;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ Enes et al.

    /** One algorithm's measurement on one topology. */
    record Row(String algorithm, long elements, long payloadBytes, long metadataBytes, long messages, long lowerBoundElements,
               int periods) {
    }

    /** The measurements of one workload on both topologies, by algorithm. */
    static Map<String, Row[]> enesTable(Workload workload, int events, long gossipMillis) {
        return table(workload, events, gossipMillis, Topology.binaryTree(15), Topology.circulant(15, 1, 4));
    }

    /** As {@link #enesTable}, on two given topologies. */
    static Map<String, Row[]> table(Workload workload, int events, long gossipMillis, boolean[][]... topologies) {
        Map<String, Row[]> rows = new LinkedHashMap<>();
        int t = 0;
        for (boolean[][] links : topologies) {
            int n = links.length;
            for (ModelSync.Algorithm a : ModelSync.Algorithm.values()) {
                ModelSync.Result r = ModelSync.run(a, workload, links, events, SEED);
                rows.computeIfAbsent(a.label, k -> new Row[topologies.length])[t] = new Row(a.label, r.traffic().elements(), r.traffic().payloadBytes(),
                        r.traffic().metadataBytes(), r.traffic().messages(), (n - 1) * r.distinctUpdates(), r.periodsAfterLastUpdate());
            }
            for (long antiEntropy : new long[] {60_000, 0}) {
                String label = antiEntropy == 0 ? "Converge (no digest backstop)" : "Converge (engine defaults)";
                EngineSync.Result r = EngineSync.run(EngineSync.Setup.of(links, workload, events, gossipMillis, SEED)
                        .withAntiEntropy(antiEntropy));
                rows.computeIfAbsent(label, k -> new Row[topologies.length])[t] = new Row(label, r.total().elements(), r.total().payloadBytes(),
                        r.total().metadataBytes(), r.total().messages(), (n - 1) * r.distinctUpdates(), r.converged() ? r.periods() : -1);
            }
            t++;
        }
        return rows;
    }

    private static void enes(PrintStream out, boolean quick) {
        int events = quick ? 20 : 100;
        List<Workload> workloads = quick ? List.of(Workload.GSET, Workload.GCOUNTER, Workload.GMAP_10) : List.of(Workload.values());
        out.printf(Locale.ROOT, "## Enes et al. (ICDE 2019): 15 nodes, %d updates per node, sync every 1 s%n%n", events);
        out.println("Ratios are elements transmitted; \"÷ state\" against state-based, \"÷ LB\" against the lower bound "
                + "(N-1) x distinct updates. Payload/metadata in kB. Periods: sync periods from the last update to convergence.");
        for (Workload w : workloads) {
            Map<String, Row[]> rows = enesTable(w, events, 1_000);
            Row[] state = rows.get(ModelSync.Algorithm.STATE_BASED.label);
            out.printf(Locale.ROOT, "%n### %s%n%n", w.label());
            out.println("| algorithm | tree ÷ state | tree ÷ LB | tree payload kB | tree metadata kB | tree periods "
                    + "| mesh ÷ state | mesh ÷ LB | mesh payload kB | mesh metadata kB | mesh periods |");
            out.println("|---|---|---|---|---|---|---|---|---|---|---|");
            for (Row[] r : rows.values()) {
                out.printf(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f | %d | %s | %s | %.1f | %.1f | %d |%n", r[0].algorithm(),
                        ratio(r[0].elements(), state[0].elements()), ratio(r[0].elements(), r[0].lowerBoundElements()),
                        r[0].payloadBytes() / 1e3, r[0].metadataBytes() / 1e3, r[0].periods(),
                        ratio(r[1].elements(), state[1].elements()), ratio(r[1].elements(), r[1].lowerBoundElements()),
                        r[1].payloadBytes() / 1e3, r[1].metadataBytes() / 1e3, r[1].periods());
            }
            double[] published = PUBLISHED.get(w);
            if (published != null) {
                out.printf(Locale.ROOT, "%nPublished delta+BP+RR ÷ state-based: tree %.3f, mesh %.3f.%n", published[0], published[1]);
            }
        }
        // The Enes mesh (offsets 1 and 4 mod 15) has no triangles, so no peer ever gets an entry
        // first-hand from its origin while another neighbour forwards it: the engine's first-hand
        // suppression cannot act there. A complete graph is where it should.
        out.printf(Locale.ROOT, "%n### Complete graph of 15 nodes (where first-hand suppression applies)%n%n");
        out.println("| workload | algorithm | ÷ state | ÷ LB | payload kB | metadata kB | periods |");
        out.println("|---|---|---|---|---|---|---|");
        for (Workload w : List.of(Workload.GSET, Workload.GMAP_10)) {
            Map<String, Row[]> rows = table(w, events, 1_000, Topology.full(15));
            Row state = rows.get(ModelSync.Algorithm.STATE_BASED.label)[0];
            for (Row[] r : rows.values()) {
                out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %.1f | %d |%n", w.label(), r[0].algorithm(),
                        ratio(r[0].elements(), state.elements()), ratio(r[0].elements(), r[0].lowerBoundElements()),
                        r[0].payloadBytes() / 1e3, r[0].metadataBytes() / 1e3, r[0].periods());
            }
        }
        out.println();
    }

    private static String ratio(long a, long b) {
        if (b == 0) {
            return "-";
        }
        double r = (double) a / b;
        return r < 0.1 ? String.format(Locale.ROOT, "%.4f", r) : String.format(Locale.ROOT, "%.3f", r);
    }

    // ------------------------------------------------------------------ partition and heal

    /** One partition-heal measurement. */
    record Heal(String workload, String log, long payloadBytes, long metadataBytes, long trueDifferenceBytes, int periods, int diameter,
                boolean converged) {
    }

    static List<Heal> partitionTable(boolean quick) {
        boolean[][] links = Topology.circulant(16, 1, 4);
        boolean[] side = new boolean[16];
        for (int i = 8; i < 16; i++) {
            side[i] = true;
        }
        int diameter = Topology.diameter(links);
        List<Heal> out = new ArrayList<>();
        long cutFrom = quick ? 20_000 : 50_000;
        long cutUntil = quick ? 30_000 : 75_000;
        for (Workload w : List.of(Workload.GSET, Workload.GMAP_10)) {
            for (long retained : new long[] {1_000_000, 16}) {
                EngineSync.Setup setup = new EngineSync.Setup(links, w, 100, null, 1_000, retained, 60_000, SEED, side, cutFrom, cutUntil,
                        true);
                EngineSync.Result r = EngineSync.run(setup);
                out.add(new Heal(w.label(), retained >= 1_000_000 ? "unbounded" : "truncated (" + retained + " entries)",
                        r.afterHeal().payloadBytes(), r.afterHeal().metadataBytes(), r.trueDifferenceBytes(), r.periods(), diameter,
                        r.converged()));
            }
        }
        return out;
    }

    private static void partition(PrintStream out, boolean quick) {
        out.println("## Partition and heal: 16 nodes (i ± 1, i ± 4 mod 16), halves cut while both update");
        out.println();
        out.println("| workload | delta log | heal payload kB | heal metadata kB | true difference kB | payload ÷ difference "
                + "| total ÷ difference | periods to converge | diameter + 2 |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (Heal h : partitionTable(quick)) {
            out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %d |%n", h.workload(), h.log(), h.payloadBytes() / 1e3,
                    h.metadataBytes() / 1e3, h.trueDifferenceBytes() / 1e3, ratio(h.payloadBytes(), h.trueDifferenceBytes()),
                    ratio(h.payloadBytes() + h.metadataBytes(), h.trueDifferenceBytes()), h.converged() ? h.periods() : "no convergence",
                    h.diameter() + 2);
        }
        out.println();
    }

    // ------------------------------------------------------------------ scale

    /** Gossip periods for one write to reach every node. */
    record Spread(String topology, int nodes, int degree, int diameter, double meanPeriods, int maxPeriods, double meanMillis) {
    }

    static List<Spread> scaleTable(boolean quick) {
        List<Spread> out = new ArrayList<>();
        int[] sizes = quick ? new int[] {10, 30, 100} : new int[] {10, 30, 100, 300, 1_000};
        int trials = quick ? 2 : 3;
        for (int n : sizes) {
            int degree = 64 - Long.numberOfLeadingZeros(n - 1) + 1; // ceil(log2 n) + 1: the engine's fan-out above 8 peers
            boolean[][] links = Topology.randomRegular(n, degree, new SplittableRandom(n));
            out.add(spread("random, degree = fan-out", links, degree, trials));
            if (n <= 100) {
                out.add(spread("full mesh", Topology.full(n), n - 1, trials));
            }
        }
        return out;
    }

    private static Spread spread(String topology, boolean[][] links, int degree, int trials) {
        int n = links.length;
        double sum = 0;
        double millis = 0;
        int max = 0;
        for (int trial = 0; trial < trials; trial++) {
            int writer = (int) Math.floorMod(SEED * (trial + 1) * 31, (long) n);
            EngineSync.Setup setup = new EngineSync.Setup(links, Workload.GSET, 1, new int[] {writer}, 200, 1_000_000, 60_000,
                    SEED + trial, null, 0, 0, false);
            EngineSync.Result r = EngineSync.run(setup);
            int periods = r.converged() ? r.periods() : -1;
            sum += periods;
            millis += r.millis();
            max = Math.max(max, periods);
        }
        return new Spread(topology, n, degree, Topology.diameter(links), sum / trials, max, millis / trials);
    }

    private static void scale(PrintStream out, boolean quick) {
        out.println("## Scale: gossip periods (200 ms) for one write to reach every node");
        out.println();
        out.println("| topology | nodes | links per node | diameter | ms to reach all (mean) | periods (mean) | periods (max) |");
        out.println("|---|---|---|---|---|---|---|");
        for (Spread s : scaleTable(quick)) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.0f | %.1f | %d |%n", s.topology(), s.nodes(), s.degree(), s.diameter(),
                    s.meanMillis(), s.meanPeriods(), s.maxPeriods());
        }
        out.println();
    }
}
