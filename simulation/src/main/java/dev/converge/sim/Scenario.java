package dev.converge.sim;

import dev.converge.crdt.CrdtType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Everything one run does, explicitly: the seed (which still drives message fates, store timing
 * and the engine's randomness), the configuration, the seed's swarm parameters and the schedule of
 * client operations and faults. {@link #generate} derives it from a seed; shrinking removes
 * actions and calms the swarm; {@link #format} and {@link #parse} make it a replayable file.
 */
public record Scenario(long seed, SimConfig config, Swarm swarm, List<Action> actions) {

    private static final String MAGIC = "converge-sim-scenario 1";

    public Scenario {
        actions = List.copyOf(actions);
    }

    /** The scenario of {@code seed}: one root seed, split per subsystem (SplittableRandom.split). */
    public static Scenario generate(SimConfig config, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom swarmRandom = root.split();
        SplittableRandom faultRandom = root.split();
        SplittableRandom opRandom = root.split();
        SplittableRandom groupRandom = root.split(); // split last, so the other streams draw as they did before it
        Set<FaultKind> enabled = EnumSet.noneOf(FaultKind.class);
        for (FaultKind k : config.faults()) {
            if (swarmRandom.nextInt(10) < 6) {
                enabled.add(k);
            }
        }
        Swarm swarm = Swarm.draw(config, swarmRandom, enabled);
        List<Action> actions = new ArrayList<>();
        faults(config, enabled, faultRandom, actions);
        removals(config, enabled, faultRandom, actions);
        operations(config, swarm, opRandom, groupRandom, actions);
        actions.sort(Comparator.comparingLong(Action::at));
        return new Scenario(seed, config, swarm, actions);
    }

    private static void faults(SimConfig config, Set<FaultKind> enabled, SplittableRandom r, List<Action> out) {
        int n = config.nodes();
        long chaos = config.chaosMillis();
        if (enabled.contains(FaultKind.CLOCK_SKEW)) {
            long[] spreads = {50, 500, 5_000};
            long spread = spreads[r.nextInt(spreads.length)];
            for (int i = 0; i < n; i++) {
                out.add(new Action.Fault(0, FaultKind.CLOCK_SKEW, i, 0, 0, 0, r.nextLong(-spread, spread + 1)));
            }
        }
        List<FaultKind> partitions = new ArrayList<>();
        for (FaultKind k : FaultKind.PARTITIONS) {
            if (enabled.contains(k) && n >= 2 && (k != FaultKind.PARTITION_BRIDGE || n >= 3)) {
                partitions.add(k);
            }
        }
        if (!partitions.isEmpty()) {
            // Episodes one after another, each lasting at least a second (MIN_PARTITION_MILLIS).
            long t = (long) (-Math.log(1 - r.nextDouble()) * 3_000);
            while (t < chaos) {
                FaultKind kind = partitions.get(r.nextInt(partitions.size()));
                long duration = Simulation.MIN_PARTITION_MILLIS + r.nextLong(9_000);
                int a = r.nextInt(n);
                long mask = splitMask(n, r);
                out.add(new Action.Fault(t, kind, a, 0, mask, duration, 0));
                t += duration + (long) (-Math.log(1 - r.nextDouble()) * 3_000);
            }
        }
        long scale = Math.max(1, chaos / 10_000);
        for (FaultKind kind : List.of(FaultKind.CLOG, FaultKind.CONNECTION_RESET, FaultKind.PROCESS_CRASH, FaultKind.POWER_LOSS,
                FaultKind.WIPE, FaultKind.CLOCK_JUMP)) {
            if (!enabled.contains(kind) || n < 2 && (kind == FaultKind.CLOG || kind == FaultKind.CONNECTION_RESET)) {
                continue;
            }
            int max = switch (kind) {
                case CLOG, CONNECTION_RESET -> 4;
                case PROCESS_CRASH, POWER_LOSS, CLOCK_JUMP -> 3;
                default -> 1;
            };
            int count = 1 + r.nextInt((int) Math.min(50, max * scale));
            for (int i = 0; i < count; i++) {
                long at = r.nextLong(chaos);
                int a = r.nextInt(n);
                int b = n < 2 ? 0 : (a + 1 + r.nextInt(n - 1)) % n;
                switch (kind) {
                    case CLOG -> out.add(new Action.Fault(at, kind, a, b, 0, 100 + r.nextLong(5_000), 0));
                    case CONNECTION_RESET -> out.add(new Action.Fault(at, kind, a, b, 0, 0, 0));
                    case CLOCK_JUMP -> {
                        long amount = r.nextInt(5) == 0 ? r.nextLong(10_000, 120_001) : r.nextLong(1, 2_001);
                        out.add(new Action.Fault(at, kind, a, 0, 0, 0, r.nextBoolean() ? amount : -amount));
                    }
                    default -> out.add(new Action.Fault(at, kind, a, 0, 0, 100 + r.nextLong(5_000), 0));
                }
            }
        }
    }

    /** Removals of retired ids, only useful where wipes or power losses retire some; drawn last, so the other faults stay as they were. */
    private static void removals(SimConfig config, Set<FaultKind> enabled, SplittableRandom r, List<Action> out) {
        if (!enabled.contains(FaultKind.REMOVE_RETIRED) || !enabled.contains(FaultKind.WIPE) && !enabled.contains(FaultKind.POWER_LOSS)) {
            return;
        }
        int count = 1 + r.nextInt(3);
        for (int i = 0; i < count; i++) {
            out.add(new Action.Fault(r.nextLong(config.chaosMillis()), FaultKind.REMOVE_RETIRED, r.nextInt(config.nodes()), 0, 0, 0, 0));
        }
    }

    /** A random split of the slots into two non-empty sides. */
    private static long splitMask(int n, SplittableRandom r) {
        if (n < 2) {
            return 1;
        }
        long all = n >= 64 ? -1L : (1L << n) - 1;
        long mask;
        do {
            mask = r.nextLong() & all;
        } while (mask == 0 || mask == all);
        return mask;
    }

    /**
     * Client operations at random times. Every other register write and delete (odd ids) is a
     * multi-key call; {@code groupRandom} draws how many other keys it writes (none to three), so
     * what {@code r} draws is the same as for a workload without them.
     */
    private static void operations(SimConfig config, Swarm swarm, SplittableRandom r, SplittableRandom groupRandom, List<Action> out) {
        int perType = Math.max(1, config.keys() / 6);
        int total = 0;
        for (int w : swarm.opWeights()) {
            total += w;
        }
        OpKind[] kinds = OpKind.values();
        long[] times = new long[config.ops()];
        for (int i = 0; i < times.length; i++) {
            times[i] = r.nextLong(config.chaosMillis());
        }
        java.util.Arrays.sort(times);
        for (int i = 0; i < times.length; i++) {
            int pick = r.nextInt(total);
            OpKind kind = kinds[0];
            for (OpKind k : kinds) {
                pick -= swarm.opWeights().get(k.ordinal());
                if (pick < 0) {
                    kind = k;
                    break;
                }
            }
            CrdtType type = kind.type() != null ? kind.type()
                    : List.of(CrdtType.PN_COUNTER, CrdtType.LWW_REGISTER, CrdtType.MV_REGISTER, CrdtType.OR_SET, CrdtType.EW_FLAG,
                            CrdtType.OR_MAP).get(r.nextInt(6));
            String key = OpKind.prefix(kind == OpKind.CROSS_TYPE_ADD ? CrdtType.OR_SET : type) + r.nextInt(perType);
            String field = switch (kind) {
                case MAP_INCREMENT -> "n" + r.nextInt(3);
                case MAP_SET_REGISTER -> "r" + r.nextInt(3);
                case MAP_ADD_TO_SET -> "t" + r.nextInt(3);
                case MAP_REMOVE_FIELD -> "nrt".charAt(r.nextInt(3)) + Integer.toString(r.nextInt(3));
                default -> "-";
            };
            long arg = switch (kind) {
                case COUNTER_ADD -> r.nextBoolean() ? 1 + r.nextInt(5) : -(1 + r.nextInt(5));
                case CROSS_TYPE_ADD -> 1 + r.nextInt(5);
                case MAP_INCREMENT -> r.nextInt(4) == 0 ? -(1 + r.nextInt(3)) : 1 + r.nextInt(5);
                case SET_REMOVE -> r.nextLong() & Long.MAX_VALUE;
                default -> 0;
            };
            int id = i + 1;
            if (kind.multiKey() && id % 2 == 1) {
                field = otherKeys(kind, key, perType, groupRandom);
            }
            out.add(new Action.Op(times[i], id, r.nextInt(config.nodes()), kind, key, field, arg));
        }
    }

    /** None to three keys besides {@code key}, distinct, comma-separated ({@code -} for none): registers, or any type for a delete. */
    private static String otherKeys(OpKind kind, String key, int perType, SplittableRandom r) {
        int count = r.nextInt(4);
        Set<String> keys = new LinkedHashSet<>();
        for (int attempt = 0; attempt < 10 && keys.size() < count; attempt++) {
            CrdtType type = kind == OpKind.REGISTER_SET ? CrdtType.LWW_REGISTER
                    : List.of(CrdtType.PN_COUNTER, CrdtType.LWW_REGISTER, CrdtType.MV_REGISTER, CrdtType.OR_SET, CrdtType.EW_FLAG,
                            CrdtType.OR_MAP).get(r.nextInt(6));
            String other = OpKind.prefix(type) + r.nextInt(perType);
            if (!other.equals(key)) {
                keys.add(other);
            }
        }
        return keys.isEmpty() ? "-" : String.join(",", keys);
    }

    /**
     * Whether a {@link UserWorkload} can run this scenario: its configuration keeps acknowledged
     * writes ({@link SimConfig#forUserWorkloads()}), and so do its swarm and its actions (a
     * hand-edited scenario could still name another durability or a wipe).
     */
    boolean keepsAcknowledgedWrites() {
        return config.keepsAcknowledgedWrites() && swarm.durability() == SimStore.Durability.SYNC
                && actions.stream().noneMatch(a -> a instanceof Action.Fault f
                        && (f.kind() == FaultKind.WIPE || f.kind() == FaultKind.REMOVE_RETIRED));
    }

    /** The keys a multi-key operation writes besides its own. */
    static List<String> otherKeys(Action.Op op) {
        return !op.kind().multiKey() || op.field().equals("-") ? List.of() : List.of(op.field().split(","));
    }

    /** The same scenario without the actions {@code keep} rejects and with {@code swarm}. */
    Scenario with(Swarm newSwarm, List<Action> newActions) {
        return new Scenario(seed, config, newSwarm, newActions);
    }

    public long faultCount() {
        return actions.stream().filter(a -> a instanceof Action.Fault).count();
    }

    public long opCount() {
        return actions.stream().filter(a -> a instanceof Action.Op).count();
    }

    // ------------------------------------------------------------------ text form

    /** The scenario as a text file that {@link #parse} reads back. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append(MAGIC).append('\n');
        b.append("# replay: ./converge sim --replay <this file> [--trace]\n");
        b.append("seed ").append(seed).append('\n');
        SimConfig c = config;
        b.append("config nodes=").append(c.nodes()).append(" ops=").append(c.ops()).append(" keys=").append(c.keys())
                .append(" chaosMillis=").append(c.chaosMillis()).append(" boundRounds=").append(c.boundRounds())
                .append(" gossipIntervalMillis=").append(c.gossipIntervalMillis())
                .append(" durability=").append(c.durability().map(Enum::name).orElse("SWARM"))
                .append(" variant=").append(c.variant().name())
                .append(" faults=").append(faultList(c.faults())).append('\n');
        b.append("swarm");
        swarm.toMap().forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        b.append('\n');
        for (Action a : actions) {
            if (a instanceof Action.Op op) {
                b.append("op ").append(op.at()).append(' ').append(op.id()).append(' ').append(op.slot()).append(' ')
                        .append(op.kind().name()).append(' ').append(op.key()).append(' ').append(op.field()).append(' ')
                        .append(op.arg()).append('\n');
            } else if (a instanceof Action.Fault f) {
                b.append("fault ").append(f.at()).append(' ').append(f.kind().name()).append(' ').append(f.a()).append(' ')
                        .append(f.b()).append(' ').append(f.mask()).append(' ').append(f.millis()).append(' ').append(f.amount())
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static String faultList(Set<FaultKind> kinds) {
        if (kinds.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (FaultKind k : kinds) {
            b.append(b.length() == 0 ? "" : ",").append(k.cliName());
        }
        return b.toString();
    }

    /** Reads a scenario written by {@link #format}. */
    public static Scenario parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].trim().equals(MAGIC)) {
            throw new IllegalArgumentException("not a scenario file: the first line must be '" + MAGIC + "'");
        }
        Long seed = null;
        SimConfig config = null;
        Swarm swarm = null;
        List<Action> actions = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                switch (f[0]) {
                    case "seed" -> seed = Long.parseLong(f[1]);
                    case "config" -> config = parseConfig(pairs(f));
                    case "swarm" -> swarm = Swarm.fromMap(pairs(f));
                    case "op" -> {
                        Action.Op op = new Action.Op(Long.parseLong(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                                OpKind.valueOf(f[4]), f[5], f[6], Long.parseLong(f[7]));
                        List<String> others = otherKeys(op);
                        if (others.contains(op.key()) || new LinkedHashSet<>(others).size() != others.size()) {
                            throw new IllegalArgumentException("a multi-key operation names a key twice");
                        }
                        actions.add(op);
                    }
                    case "fault" -> actions.add(new Action.Fault(Long.parseLong(f[1]), FaultKind.valueOf(f[2]), Integer.parseInt(f[3]),
                            Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7])));
                    default -> throw new IllegalArgumentException("unknown line kind '" + f[0] + "'");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("scenario line " + (i + 1) + " ('" + line + "'): " + e.getMessage(), e);
            }
        }
        if (seed == null || config == null || swarm == null) {
            throw new IllegalArgumentException("a scenario needs seed, config and swarm lines");
        }
        return new Scenario(seed, config, swarm, actions);
    }

    private static Map<String, String> pairs(String[] fields) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < fields.length; i++) {
            int eq = fields[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + fields[i] + "'");
            }
            m.put(fields[i].substring(0, eq), fields[i].substring(eq + 1));
        }
        return m;
    }

    private static SimConfig parseConfig(Map<String, String> m) {
        String durability = m.getOrDefault("durability", "SWARM");
        return new SimConfig(Integer.parseInt(m.get("nodes")), Integer.parseInt(m.get("ops")), Integer.parseInt(m.get("keys")),
                Long.parseLong(m.get("chaosMillis")), Integer.parseInt(m.get("boundRounds")), FaultKind.parseList(m.get("faults")),
                durability.equals("SWARM") ? Optional.empty() : Optional.of(SimStore.Durability.valueOf(durability)),
                Long.parseLong(m.getOrDefault("gossipIntervalMillis", "200")), Variant.valueOf(m.get("variant")));
    }
}
