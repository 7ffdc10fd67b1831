package dev.converge.sim;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.SyncMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The network of one simulation: a link per pair of node slots the topology allows, each
 * carrying encoded sync messages (the real codec is on the path) with seeded faults.
 *
 * <p>Per directed link: a delay drawn from an exponential distribution, in order (TCP-like) unless
 * a message is chosen to be reordered; loss; duplication; clogging (nothing is delivered until the
 * clog ends, then everything at once). Per pair: a connection that a symmetric partition or a dead
 * process takes down (in-flight messages are lost, the ends are told after a detection delay) and
 * that comes back after a reconnect delay; a connection reset loses what is in flight and makes the
 * ends reconnect. One-way blocks drop one direction's messages while both ends still see the link up.
 * Outbound queues are bounded: a full one answers {@link Transport.SendResult#BACK_PRESSURED}.
 */
public final class SimNetwork {

    /** Faults of one directed link while chaos is on. */
    public record LinkProfile(double meanDelayMillis, double loss, double duplicate, double reorder) {

        /** A healthy link: {@code meanDelayMillis} on average, nothing lost, duplicated or reordered. */
        public static LinkProfile healthy(double meanDelayMillis) {
            return new LinkProfile(meanDelayMillis, 0, 0, 0);
        }
    }

    /** Sees every message as it is sent (for byte and element counts). */
    @FunctionalInterface
    public interface Tap {
        void onSend(int from, int to, SyncMessage message, int bytes);
    }

    /** Sees each message as it is delivered to a live process. */
    @FunctionalInterface
    public interface Delivery {
        /** @param generation the generation the sending process was attached with */
        void onDeliver(int from, long generation, int to, SyncMessage message);
    }

    /** May replace a message before it is encoded (the broken-protocol variants use it); returns it unchanged otherwise. */
    @FunctionalInterface
    public interface Rewriter {
        SyncMessage rewrite(int from, int to, SyncMessage message);
    }

    /** Bounds an outbound queue, as the Netty transport bounds its own. */
    public static final int MAX_IN_FLIGHT = 4_096;

    /** A message a clog holds: delivered when the clog ends, or when the heal ends every clog. */
    private static final class Held {
        final Runnable delivery;
        boolean delivered;

        Held(Runnable delivery) {
            this.delivery = delivery;
        }
    }

    private final class Link {
        final int a;
        final int b;
        boolean physicallyUp;
        boolean announcedUp;
        long connection;
        long announcedConnection = -1;
        long version;
        final long[] clogUntil = new long[2];
        /** Messages a clog holds, per direction, in the order they were sent. */
        final List<ArrayDeque<Held>> held = List.of(new ArrayDeque<>(), new ArrayDeque<>());
        final boolean[] blocked = new boolean[2];
        final long[] lastDelivery = new long[2];
        final int[] inFlight = new int[2];

        Link(int a, int b) {
            this.a = a;
            this.b = b;
        }

        int dir(int from) {
            return from == a ? 0 : 1;
        }

        int other(int slot) {
            return slot == a ? b : a;
        }
    }

    private final VirtualTime time;
    private final RandomGenerator random;
    private final Trace trace;
    private final int size;
    private final Link[][] links;
    private final LinkProfile[][] profiles;
    private final SimTransport[] attached;
    private final ReplicaId[] ids;
    private final Map<ReplicaId, Integer> slotOf = new HashMap<>();
    private final boolean[][] cut;
    private final long[] bytesSent;
    private final long[] messagesSent;
    private final Map<String, long[]> byType = new HashMap<>();
    private boolean chaos;
    private double healthyDelayMillis = 1;
    private long maxDetectMillis = 1_000;
    private long maxReconnectMillis = 500;
    private Tap tap;
    private Delivery delivery;
    private Rewriter rewriter;
    private long lost;
    private long duplicated;
    private long reordered;
    private long resets;

    /**
     * A network of {@code size} slots where {@code allowed[a][b]} says whether a and b may link.
     *
     * @param random draws every fault and delay
     */
    public SimNetwork(VirtualTime time, RandomGenerator random, Trace trace, boolean[][] allowed) {
        this.time = time;
        this.random = random;
        this.trace = trace;
        this.size = allowed.length;
        this.links = new Link[size][size];
        this.profiles = new LinkProfile[size][size];
        this.attached = new SimTransport[size];
        this.ids = new ReplicaId[size];
        this.cut = new boolean[size][size];
        this.bytesSent = new long[size];
        this.messagesSent = new long[size];
        for (int a = 0; a < size; a++) {
            for (int b = a + 1; b < size; b++) {
                if (allowed[a][b] || allowed[b][a]) {
                    Link l = new Link(a, b);
                    links[a][b] = l;
                    links[b][a] = l;
                }
            }
            for (int b = 0; b < size; b++) {
                profiles[a][b] = LinkProfile.healthy(1);
            }
        }
    }

    public int size() {
        return size;
    }

    /** Whether the topology links {@code a} and {@code b}. */
    public boolean allowed(int a, int b) {
        return links[a][b] != null;
    }

    /** The faults of the directed link {@code from → to} while chaos is on. */
    public void profile(int from, int to, LinkProfile profile) {
        profiles[from][to] = profile;
    }

    /** Delay of every link while chaos is off, on average. */
    public void healthyDelay(double meanMillis) {
        this.healthyDelayMillis = meanMillis;
    }

    /** How long ends take to notice a dead link, and to reconnect a restored one (each drawn up to these). */
    public void connectionTiming(long maxDetectMillis, long maxReconnectMillis) {
        this.maxDetectMillis = maxDetectMillis;
        this.maxReconnectMillis = maxReconnectMillis;
    }

    /** Turns the per-link faults on or off (partitions, clogs and blocks are separate). */
    public void chaos(boolean on) {
        this.chaos = on;
    }

    public void tap(Tap tap) {
        this.tap = tap;
    }

    /** Lets {@code observer} see every message delivered. */
    public void onDeliver(Delivery observer) {
        this.delivery = observer;
    }

    public void rewriter(Rewriter rewriter) {
        this.rewriter = rewriter;
    }

    // ------------------------------------------------------------------ processes

    /** A transport for the process now running in {@code slot} as {@code id}; links come up once it starts. */
    public Transport attach(int slot, ReplicaId id) {
        return attach(slot, id, 0);
    }

    /** As {@link #attach(int, ReplicaId)}, for the process of {@code generation} (deliveries name it as the sender). */
    public Transport attach(int slot, ReplicaId id, long generation) {
        if (attached[slot] != null) {
            throw new IllegalStateException("slot " + slot + " already has a running process");
        }
        if (ids[slot] != null && !ids[slot].equals(id)) {
            slotOf.remove(ids[slot]);
        }
        ids[slot] = id;
        slotOf.put(id, slot);
        SimTransport t = new SimTransport(slot, id, generation);
        attached[slot] = t;
        return t;
    }

    /** The process in {@code slot} died: its links drop (peers notice after a short delay) and what was in flight to it is lost. */
    public void detach(int slot) {
        SimTransport t = attached[slot];
        if (t == null) {
            return;
        }
        t.dead = true;
        attached[slot] = null;
        for (int other = 0; other < size; other++) {
            Link l = links[slot][other];
            if (l != null) {
                update(l, Math.min(maxDetectMillis, 50));
            }
        }
    }

    // ------------------------------------------------------------------ partitions, clogs, resets

    /**
     * Sets the partition now in force: {@code symmetricCut[a][b]} takes the pair's connection down,
     * {@code oneWay[a][b]} silently drops messages from a to b. Null means none.
     */
    public void partition(boolean[][] symmetricCut, boolean[][] oneWay) {
        for (int a = 0; a < size; a++) {
            for (int b = 0; b < size; b++) {
                cut[a][b] = symmetricCut != null && (symmetricCut[a][b] || symmetricCut[b][a]);
                Link l = links[a][b];
                if (l != null && a != b) {
                    l.blocked[l.dir(a)] = oneWay != null && oneWay[a][b];
                }
            }
        }
        for (int a = 0; a < size; a++) {
            for (int b = a + 1; b < size; b++) {
                if (links[a][b] != null) {
                    update(links[a][b], maxDetectMillis);
                }
            }
        }
    }

    /** Holds everything sent from {@code from} to {@code to} until {@code millis} from now. */
    public void clog(int from, int to, long millis) {
        Link l = links[from][to];
        if (l != null) {
            l.clogUntil[l.dir(from)] = Math.max(l.clogUntil[l.dir(from)], time.now() + millis);
        }
    }

    /** Ends every clog: what the clogs held is delivered now, in the order it was sent. */
    public void unclogAll() {
        for (int a = 0; a < size; a++) {
            for (int b = a + 1; b < size; b++) {
                Link l = links[a][b];
                if (l != null) {
                    for (int dir = 0; dir < 2; dir++) {
                        l.clogUntil[dir] = 0;
                        l.lastDelivery[dir] = Math.min(l.lastDelivery[dir], time.now());
                        ArrayDeque<Held> q = l.held.get(dir);
                        if (!q.isEmpty()) {
                            Held last = q.peekLast();
                            int d = dir;
                            time.schedule(0, VirtualTime.ALWAYS, () -> release(l, d, last));
                        }
                    }
                }
            }
        }
    }

    /** Delivers what a clog held on {@code l} in direction {@code dir}, in order, through {@code last}. */
    private void release(Link l, int dir, Held last) {
        if (last.delivered) {
            return;
        }
        ArrayDeque<Held> q = l.held.get(dir);
        while (!q.isEmpty()) {
            Held h = q.poll();
            h.delivered = true;
            h.delivery.run();
            if (h == last) {
                return;
            }
        }
    }

    /** Resets the connection between {@code a} and {@code b}: what is in flight is lost, the ends see it drop and reconnect. */
    public void reset(int a, int b) {
        Link l = links[a][b];
        if (l == null || !l.physicallyUp) {
            return;
        }
        resets++;
        l.connection++;
        l.inFlight[0] = 0;
        l.inFlight[1] = 0;
        l.version++;
        long v = l.version;
        time.schedule(1 + random.nextLong(Math.max(1, maxReconnectMillis)), VirtualTime.ALWAYS, () -> reconcile(l, v));
    }

    /** Recomputes whether a pair's connection can exist, and tells the ends after a delay when that changed. */
    private void update(Link l, long maxDelay) {
        boolean up = attached[l.a] != null && attached[l.b] != null && attached[l.a].started && attached[l.b].started
                && !cut[l.a][l.b];
        if (up == l.physicallyUp) {
            return;
        }
        l.physicallyUp = up;
        if (!up) {
            l.connection++; // what is in flight is lost with the connection
            l.inFlight[0] = 0;
            l.inFlight[1] = 0;
        }
        l.version++;
        long v = l.version;
        long delay = up ? 1 + random.nextLong(Math.max(1, maxReconnectMillis)) : random.nextLong(Math.max(1, maxDelay) + 1);
        time.schedule(delay, VirtualTime.ALWAYS, () -> reconcile(l, v));
    }

    /** Tells the ends what the connection is now: down (if it was up on an older connection or is gone), then up. */
    private void reconcile(Link l, long version) {
        if (l.version != version) {
            return; // a later change will reconcile
        }
        if (l.announcedUp && (!l.physicallyUp || l.announcedConnection != l.connection)) {
            l.announcedUp = false;
            trace.event("link-down", l.a, l.b, l.connection, () -> "link n" + l.a + " - n" + l.b + " down");
            notify(l.a, l.b, false);
            notify(l.b, l.a, false);
        }
        if (l.physicallyUp && !l.announcedUp) {
            l.announcedUp = true;
            l.announcedConnection = l.connection;
            l.lastDelivery[0] = time.now();
            l.lastDelivery[1] = time.now();
            trace.event("link-up", l.a, l.b, l.connection, () -> "link n" + l.a + " - n" + l.b + " up");
            notify(l.a, l.b, true);
            notify(l.b, l.a, true);
        }
    }

    private void notify(int slot, int peer, boolean up) {
        SimTransport t = attached[slot];
        if (t == null || t.listener == null || ids[peer] == null) {
            return;
        }
        if (up) {
            t.listener.onLinkUp(ids[peer]);
        } else {
            t.listener.onLinkDown(ids[peer]);
        }
    }

    // ------------------------------------------------------------------ messages

    private Transport.SendResult send(SimTransport from, ReplicaId peer, SyncMessage message) {
        Integer to = slotOf.get(peer);
        if (from.dead || to == null || to == from.slot) {
            return Transport.SendResult.NO_LINK;
        }
        Link l = links[from.slot][to];
        if (l == null || !l.announcedUp) {
            return Transport.SendResult.NO_LINK;
        }
        int dir = l.dir(from.slot);
        if (l.inFlight[dir] >= MAX_IN_FLIGHT) {
            trace.event("back-pressure", from.slot, to, 0);
            return Transport.SendResult.BACK_PRESSURED;
        }
        if (rewriter != null) {
            message = rewriter.rewrite(from.slot, to, message);
        }
        byte[] bytes = CrdtCodec.encode(message);
        int wire = bytes.length + 4; // a length prefix, as on the wire
        bytesSent[from.slot] += wire;
        messagesSent[from.slot]++;
        long[] typeCount = byType.computeIfAbsent(message.getClass().getSimpleName(), k -> new long[2]);
        typeCount[0]++;
        typeCount[1] += wire;
        if (tap != null) {
            tap.onSend(from.slot, to, message, wire);
        }
        int dest = to;
        String kind = message.getClass().getSimpleName();
        if (!l.physicallyUp || l.blocked[dir] || l.announcedConnection != l.connection) {
            lost++;
            trace.event("drop", from.slot, dest, wire, () -> "n" + from.slot + " -> n" + dest + " " + kind + " dropped (link cut)");
            return Transport.SendResult.QUEUED;
        }
        LinkProfile p = chaos ? profiles[from.slot][dest] : LinkProfile.healthy(healthyDelayMillis);
        if (p.loss() > 0 && random.nextDouble() < p.loss()) {
            lost++;
            trace.event("drop", from.slot, dest, wire, () -> "n" + from.slot + " -> n" + dest + " " + kind + " lost");
            return Transport.SendResult.QUEUED;
        }
        int copies = p.duplicate() > 0 && random.nextDouble() < p.duplicate() ? 2 : 1;
        duplicated += copies - 1;
        long hash = dev.converge.crdt.sync.Hashing.xxh64(bytes, 0, bytes.length, 0);
        for (int c = 0; c < copies; c++) {
            long delay = Math.max(1, (long) Math.ceil(-Math.log(1 - random.nextDouble()) * p.meanDelayMillis()));
            long at = time.now() + delay;
            boolean reorder = p.reorder() > 0 && random.nextDouble() < p.reorder();
            if (reorder) {
                reordered++;
            } else {
                at = Math.max(at, l.lastDelivery[dir]);
                l.lastDelivery[dir] = at;
            }
            long connection = l.connection;
            l.inFlight[dir]++;
            Runnable delivery = () -> deliver(l, dir, connection, from.slot, from.generation, dest, bytes, hash);
            if (l.clogUntil[dir] >= at) {
                Held h = new Held(delivery);
                l.held.get(dir).add(h);
                if (!reorder) {
                    l.lastDelivery[dir] = l.clogUntil[dir]; // later messages do not overtake it
                }
                time.scheduleAt(l.clogUntil[dir], VirtualTime.ALWAYS, () -> release(l, dir, h));
            } else {
                time.scheduleAt(at, VirtualTime.ALWAYS, delivery);
            }
        }
        trace.event("send", from.slot, dest, hash, () -> "n" + from.slot + " -> n" + dest + " " + describe(kind, bytes.length));
        return Transport.SendResult.QUEUED;
    }

    private static String describe(String kind, int length) {
        return kind + " (" + length + " B)";
    }

    private void deliver(Link l, int dir, long connection, int from, long generation, int to, byte[] bytes, long hash) {
        if (l.connection != connection) {
            return; // the connection it travelled on is gone; so is the message
        }
        l.inFlight[dir]--;
        SimTransport t = attached[to];
        if (t == null || t.listener == null) {
            return;
        }
        SyncMessage message;
        try {
            message = CrdtCodec.decodeMessage(bytes);
        } catch (CodecException e) {
            throw new IllegalStateException("the codec refused its own bytes", e);
        }
        trace.event("deliver", from, to, hash);
        if (delivery != null) {
            delivery.onDeliver(from, generation, to, message);
        }
        t.listener.onMessage(ids[from], message);
    }

    // ------------------------------------------------------------------ statistics

    /** Bytes sent by {@code slot} (every process in it), length prefixes included. */
    public long bytesSent(int slot) {
        return bytesSent[slot];
    }

    public long totalBytesSent() {
        long sum = 0;
        for (long b : bytesSent) {
            sum += b;
        }
        return sum;
    }

    public long totalMessagesSent() {
        long sum = 0;
        for (long m : messagesSent) {
            sum += m;
        }
        return sum;
    }

    /** Messages and bytes sent per message type. */
    public Map<String, long[]> sentByType() {
        Map<String, long[]> out = new HashMap<>();
        byType.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    public long lost() {
        return lost;
    }

    public long duplicated() {
        return duplicated;
    }

    public long reordered() {
        return reordered;
    }

    public long resets() {
        return resets;
    }

    /** The slot a replica id runs in now, or -1. */
    public int slotOf(ReplicaId id) {
        Integer s = slotOf.get(id);
        return s == null ? -1 : s;
    }

    /** The transport of the process in {@code slot}. */
    private final class SimTransport implements Transport {
        final int slot;
        final ReplicaId id;
        final long generation;
        Listener listener;
        boolean started;
        boolean dead;

        SimTransport(int slot, ReplicaId id, long generation) {
            this.slot = slot;
            this.id = id;
            this.generation = generation;
        }

        @Override
        public ReplicaId localId() {
            return id;
        }

        @Override
        public void start(Listener l) {
            if (started) {
                throw new IllegalStateException("transport of " + id + " already started");
            }
            listener = l;
            started = true;
            for (int other = 0; other < size; other++) {
                if (links[slot][other] != null) {
                    update(links[slot][other], 0);
                }
            }
        }

        @Override
        public void connect(Endpoint endpoint) {
            // The topology decides the links; dialling is implicit.
        }

        @Override
        public void disconnect(Endpoint endpoint) {
            // As connect.
        }

        @Override
        public SendResult send(ReplicaId peer, SyncMessage message) {
            return SimNetwork.this.send(this, peer, message);
        }

        @Override
        public Set<ReplicaId> connectedPeers() {
            Set<ReplicaId> out = new LinkedHashSet<>();
            for (int other = 0; other < size; other++) {
                Link l = links[slot][other];
                if (l != null && l.announcedUp && ids[other] != null) {
                    out.add(ids[other]);
                }
            }
            return out;
        }

        @Override
        public List<LinkStats> linkStats() {
            List<LinkStats> out = new ArrayList<>();
            for (int other = 0; other < size; other++) {
                Link l = links[slot][other];
                if (l != null && ids[other] != null) {
                    out.add(new LinkStats(ids[other], l.announcedUp, 0, 0, 0, 0, l.inFlight[l.dir(slot)], 0, 0, 0, 0));
                }
            }
            return out;
        }

        @Override
        public void close() {
            if (attached[slot] == this) {
                detach(slot);
            }
        }
    }
}
