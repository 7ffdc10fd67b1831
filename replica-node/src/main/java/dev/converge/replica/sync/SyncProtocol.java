package dev.converge.replica.sync;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.Decomposition;
import dev.converge.crdt.WrongTypeException;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.replica.EventLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication protocol: a single-threaded step function driven by {@link #onTick},
 * {@link #onMessage}, {@link #onLocalCommit} and link events, emitting messages through the
 * {@link Transport} port. It does no I/O of its own, reads no wall clock (time is an argument,
 * or the loop's monotonic time for a deferred push) and
 * makes no randomness (the generator is injected), so the simulator runs it as is.
 *
 * <p>Delta-interval anti-entropy (Almeida, Shoker and Baquero 2018, Algorithm 2): each peer
 * {@code j} has an acknowledged point {@code A[j]} in the local delta log; a message carries the
 * join, per document, of the log entries in {@code (A[j], seq]}, and the receiver acknowledges
 * {@code seq} once what it merged is durable. With the two optimisations of Enes et al. (ICDE
 * 2019): <b>BP</b>, entries that came from {@code j} are never sent back to it, and <b>RR</b>,
 * the log records only the effective part of a received delta (the engine's
 * {@link RemoteApplier} does that). Fresh local writes are pushed at once (debounced); periodic
 * rounds resend what went unacknowledged. Beyond the literature, entries from a third replica are
 * not forwarded to a peer that gets that replica's log first-hand: each round every replica sends
 * each peer a heartbeat with its progress on the logs of its other links, and a forwarder holds
 * such an entry back until the report covers it (or the link it relied on breaks, when it
 * forwards after all). A peer behind the truncated head of the log (or new,
 * or back from a long partition) catches up by digest: hash-tree digests compared top down, then
 * the states of differing leaves, answered with exactly what the sender lacks.
 */
public final class SyncProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(SyncProtocol.class);
    /** Each descent splits a differing range 16 ways. */
    private static final int SPLIT_BITS = 4;
    /** Ranges this narrow are exchanged whatever their size: the hash space has no finer grain worth using. */
    private static final int FINEST_BITS = 60;
    /** Rounds a backstop waits, at most, for a small differing range to settle before exchanging its states. */
    static final int SETTLE_ATTEMPTS = 2;
    /** Batches sent to one peer per push or round, so one peer cannot monopolise the loop. */
    private static final int BATCHES_PER_SERVICE = 16;

    /** What the protocol reports to the engine. */
    public interface Observer {
        /** {@code peer} acknowledged the local log up to {@code seq}. */
        void onAcked(ReplicaId peer, long seq);

        /** A message from {@code peer} was refused for {@code reason}. */
        void onRejected(ReplicaId peer, String reason);
    }

    private enum Kind { DIGEST, STATE }

    /** A request of a catch-up this replica runs, awaiting the peer's answer; for a state exchange, the part of the reply expected next. */
    private static final class Pending {
        private final ReplicaId peer;
        private final Kind kind;
        private final List<KeyHashRange> ranges;
        /** For digests: how many times these ranges were found differing before (see {@link CatchUp#settling}). */
        private final int attempt;
        int nextPart;

        Pending(ReplicaId peer, Kind kind, List<KeyHashRange> ranges) {
            this(peer, kind, ranges, 0);
        }

        Pending(ReplicaId peer, Kind kind, List<KeyHashRange> ranges, int attempt) {
            this.peer = peer;
            this.kind = kind;
            this.ranges = ranges;
            this.attempt = attempt;
        }

        ReplicaId peer() {
            return peer;
        }

        Kind kind() {
            return kind;
        }

        List<KeyHashRange> ranges() {
            return ranges;
        }
    }

    /** A state exchange a peer runs towards this replica: what it has sent so far. */
    private static final class Incoming {
        final KeyHashRange range;
        final Map<Bytes, Crdt<?>> theirs = new HashMap<>();
        /** A part was refused, failed to merge or never came: never answered. */
        boolean broken;
        int nextPart;

        Incoming(KeyHashRange range) {
            this.range = range;
        }

        void breakOff() {
            broken = true;
            theirs.clear();
        }
    }

    private final ReplicaId self;
    private final SyncConfig config;
    private final DocumentStore store;
    private final Transport transport;
    private final RemoteApplier applier;
    private final EventLoop loop;
    private final RandomGenerator random;
    private final Observer observer;
    private final Map<ReplicaId, PeerState> peers = new LinkedHashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private final Map<ReplicaId, Map<Long, Incoming>> incoming = new HashMap<>();
    /** Local sequence number of a merged delta batch to the end of the sender's range it came from. */
    private final TreeMap<Long, Long> sources = new TreeMap<>();
    private long nextRequestId = 1;
    private boolean pushScheduled;
    private boolean acksDirty;
    private long truncatedThrough;
    /** Someone waits for the local log through here to replicate: batches carrying any of it ask for acknowledgement at once. */
    private long ackWantedThrough;

    public SyncProtocol(ReplicaId self, SyncConfig config, DocumentStore store, Transport transport, RemoteApplier applier,
                        EventLoop loop, RandomGenerator random, Observer observer) {
        this.self = self;
        this.config = config;
        this.store = store;
        this.transport = transport;
        this.applier = applier;
        this.loop = loop;
        this.random = random;
        this.observer = observer;
        store.acks().forEach((peer, seq) -> peer(peer).acked = seq);
    }

    // ------------------------------------------------------------------ links

    public void onLinkUp(ReplicaId peerId, long nowMillis) {
        PeerState peer = peer(peerId);
        peer.connected = true;
        peer.linkEpoch++;
        peer.lastContactMillis = nowMillis;
        peer.detector.reset();
        peer.suspected = false;
        if (peer.nextAntiEntropyMillis == PeerState.NEVER) {
            scheduleAntiEntropy(peer, nowMillis);
        }
        // Anything in flight on the old link may be lost: resend from the acknowledged point, and
        // forwarded entries resent below it that the peer was not yet seen to read.
        peer.sentUpTo = peer.acked;
        peer.receivedThrough = peer.merged; // what was in flight to us on the old link may be lost too
        if (peer.resendFloor >= 0) {
            peer.resendFrom = peer.resendFrom < 0 ? peer.resendFloor : Math.min(peer.resendFrom, peer.resendFloor);
        }
        peer.retransmissions = 0;
        peer.ackSent = -1;
        peer.ackSentAtMillis = PeerState.NEVER;
        service(peer, nowMillis, false);
    }

    /**
     * Forgets {@code peerId} for good (it was removed from the cluster): no more sends to it, and
     * what it has not acknowledged no longer holds back log truncation.
     */
    public void forget(ReplicaId peerId) {
        PeerState peer = peers.remove(peerId);
        if (peer != null) {
            abandonCatchUp(peer, "removed from the cluster");
            peer.connected = false; // merges still in flight for it change nothing
        }
        incoming.remove(peerId);
    }

    /** Forgets every peer: this replica was removed from the cluster. */
    public void forgetAll() {
        peers.values().forEach(p -> {
            abandonCatchUp(p, "this replica was removed from the cluster");
            p.connected = false;
        });
        peers.clear();
        incoming.clear();
    }

    public void onLinkDown(ReplicaId peerId) {
        PeerState peer = peer(peerId);
        peer.connected = false;
        peer.receivedThrough = peer.merged;
        peer.progress = new HashMap<>();
        abandonCatchUp(peer, "link down");
        incoming.remove(peerId);
    }

    // ------------------------------------------------------------------ local writes and rounds

    /** A local write was committed at {@code seq}: push it soon, debounced. */
    public void onLocalCommit(long seq, long nowMillis) {
        if (!pushScheduled) {
            pushScheduled = true;
            Runnable push = () -> {
                pushScheduled = false;
                long now = loop.nowMillis();
                for (PeerState peer : peers.values()) {
                    if (peer.connected) {
                        service(peer, now, false);
                    }
                }
            };
            if (config.pushDelayMillis() == 0) {
                // Behind whatever the loop already holds: commits completing together leave in one push.
                loop.execute(push);
            } else {
                loop.schedule(config.pushDelayMillis(), push);
            }
        }
    }

    /** A gossip round: repair, acknowledge, catch up, persist acknowledgements, truncate the log. */
    public void onTick(long nowMillis) {
        long lastSeq = store.lastSeq();
        for (PeerState peer : peers.values()) {
            if (peer.connected) {
                updateSuspicion(peer, nowMillis);
            }
        }
        for (PeerState peer : fanout()) {
            service(peer, nowMillis, true);
        }
        for (PeerState peer : peers.values()) {
            if (!peer.connected) {
                continue;
            }
            resolveDeferred(peer, nowMillis);
            sendHeartbeat(peer);
            if (peer.reportedMerged < peer.acked && peer.catchUp == null) {
                cover(peer); // the peer's position in our log lags what it acknowledged (or a catch-up gave it)
            }
            CatchUp c = peer.catchUp;
            if (c != null && nowMillis - c.lastProgressMillis > config.catchUpTimeoutMillis()) {
                abandonCatchUp(peer, "no progress for " + config.catchUpTimeoutMillis() + " ms");
            }
            if (peer.catchUp == null && config.antiEntropyIntervalMillis() > 0 && nowMillis >= peer.nextAntiEntropyMillis) {
                startCatchUp(peer, nowMillis, "periodic anti-entropy", false);
            } else if (peer.catchUp != null && !peer.catchUp.settling.isEmpty()) {
                compareSettledLeaves(peer, nowMillis);
            }
            if (peer.acked < lastSeq && peer.behindSinceMillis < 0) {
                peer.behindSinceMillis = nowMillis;
            }
        }
        persistAcks();
        truncateLog(lastSeq);
    }

    /**
     * A connected peer whose heartbeats stopped (a stalled process, a one-way or silent partition)
     * is suspected: rounds skip it, so retransmissions and catch-ups go to peers that answer. It
     * still gets heartbeats and pushes of new writes, and its next heartbeat clears it.
     */
    private void updateSuspicion(PeerState peer, long nowMillis) {
        boolean suspected = peer.detector.suspects(nowMillis);
        if (suspected != peer.suspected) {
            peer.suspected = suspected;
            if (suspected) {
                LOG.info("suspecting {}: no heartbeat for {} ms (phi {})", peer.id, nowMillis - peer.lastContactMillis,
                        String.format(Locale.ROOT, "%.1f", peer.detector.phi(nowMillis)));
            } else {
                LOG.info("{} is heard from again", peer.id);
            }
        }
    }

    /** The peers a round reaches: the unsuspected ones; all of them in small clusters, ceil(log2 N) + 1 at random above. */
    private List<PeerState> fanout() {
        List<PeerState> live = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (p.connected && !p.suspected) {
                live.add(p);
            }
        }
        if (live.size() <= config.fullFanoutPeers()) {
            return live;
        }
        int k = 64 - Long.numberOfLeadingZeros(live.size() - 1) + 1;
        for (int i = 0; i < k; i++) {
            Collections.swap(live, i, i + random.nextInt(live.size() - i));
        }
        return live.subList(0, k);
    }

    /** Sends {@code peer} what it lacks of the local log, from its acknowledged or last-sent point. */
    private void service(PeerState peer, long nowMillis, boolean round) {
        if (!peer.connected || peer.catchUp != null && peer.catchUp.holdsDeltas) {
            return;
        }
        long lastSeq = store.lastSeq();
        if (peer.acked >= lastSeq && peer.resendFrom < 0) {
            peer.behindSinceMillis = -1;
            return;
        }
        if (round && peer.sentUpTo > peer.acked
                && nowMillis - peer.sentAtMillis >= config.retransmitAfterMillis() << Math.min(peer.retransmissions, 1)) {
            // Resent after a silence, and after twice that while nothing is acknowledged since: a peer
            // slow to acknowledge (a long commit, a backlog) is not sent the same data every interval.
            // No more than twice: waits doubled up to 16 times, measured in the simulator, carried
            // from a lossy chaos phase into the heal and held convergence back for up to 80 rounds.
            peer.sentUpTo = peer.acked;
            peer.retransmissions++;
        }
        long from = Math.max(peer.sentUpTo, peer.acked);
        if (peer.resendFrom >= 0) {
            from = Math.min(from, peer.resendFrom); // cleared once a batch from there is sent (sendBatch)
        }
        // Entries already found to hold nothing for the peer are not read again; the next batch covers
        // them. Not on a rewind: it exists to resend entries held back then (they held nothing *then*).
        long readFrom = peer.resendFrom < 0 && peer.coverFrom == from && peer.coverTo > from ? peer.coverTo : from;
        for (int batches = 0; batches < BATCHES_PER_SERVICE && readFrom < lastSeq; batches++) {
            DeltaLogSlice slice = store.readDeltaLog(readFrom, config.maxBatchBytes());
            if (slice.truncated()) {
                if (peer.catchUp != null) {
                    peer.catchUp.holdsDeltas = true; // the backstop under way brings the peer up to its start
                } else {
                    startCatchUp(peer, nowMillis, "behind the delta log's head (" + from + " < " + (slice.firstRetainedSeq() - 1) + ")", true);
                }
                return;
            }
            if (slice.entries().isEmpty()) {
                break;
            }
            Map<Bytes, Crdt<?>> joined = new LinkedHashMap<>();
            long to = readFrom;
            for (DeltaLogEntry entry : slice.entries()) {
                if (!joined.isEmpty() && joined.size() + entry.deltas().size() > config.maxDocumentsPerMessage()) {
                    break;
                }
                to = entry.seq();
                if (entry.origin().equals(peer.id)) {
                    continue; // BP: never send a peer what came from it
                }
                if (!entry.origin().equals(self) && heldBack(peer, entry, nowMillis)) {
                    continue;
                }
                for (Document d : entry.deltas()) {
                    joined.merge(d.key(), d.value(), Crdt::joinAny);
                }
            }
            if (joined.isEmpty() && !round) {
                // Nothing the peer needs (its own entries, or ones it gets first-hand): a push sends
                // nothing for them, the next batch or round covers the interval.
                peer.coverFrom = from;
                peer.coverTo = to;
                readFrom = to;
                continue;
            }
            List<Document> deltas = new ArrayList<>(joined.size());
            joined.forEach((key, value) -> deltas.add(new Document(key, value)));
            if (!sendBatch(peer, from, to, deltas, nowMillis)) {
                return; // back-pressure or no link: the next round tries again from here
            }
            from = to;
            readFrom = to;
        }
        if (round && readFrom > from) {
            sendBatch(peer, from, readFrom, List.of(), nowMillis); // a round covers what pushes skipped
        }
    }

    private boolean sendBatch(PeerState peer, long from, long to, List<Document> deltas, long nowMillis) {
        boolean ack = ackOwed(peer);
        DeltaBatch batch = new DeltaBatch(from, to, deltas, ack ? peer.merged : 0, from < ackWantedThrough);
        if (send(peer.id, batch) != Transport.SendResult.QUEUED) {
            return false;
        }
        if (ack) {
            ackCarried(peer);
        }
        if (peer.resendFrom >= 0 && from <= peer.resendFrom) {
            if (peer.resendFrom < peer.acked) {
                // Below the acknowledged point, so no retransmission covers it: owed again after a
                // link flap until an acknowledgement past everything sent before shows it arrived.
                peer.resendFloor = peer.resendFloor < 0 ? peer.resendFrom : Math.min(peer.resendFloor, peer.resendFrom);
                peer.resendSettledPast = store.lastSeq();
            }
            peer.resendFrom = -1;
        }
        if (peer.sentUpTo <= peer.acked) {
            peer.sentAtMillis = nowMillis; // the first unacknowledged data: the retransmission timer starts
        }
        peer.sentUpTo = to;
        return true;
    }

    /**
     * Tells {@code peer} that it holds our log through {@code acked}: an empty batch for the range
     * {@code (0, acked]}. After a catch-up the peer got the range as states, not as batches, so its
     * position in our log must be moved there, or it would see every later batch as a gap.
     */
    private void cover(PeerState peer) {
        if (send(peer.id, new DeltaBatch(0, peer.acked, List.of(), peer.merged)) == Transport.SendResult.QUEUED) {
            ackCarried(peer);
        }
    }

    /**
     * Whether an entry from a third replica should not go to {@code peer} now: the peer is linked
     * to the entry's origin and so gets it first-hand. Already covered by the peer's progress
     * report: skipped for good; not yet: held back and looked at again later.
     */
    private boolean heldBack(PeerState peer, DeltaLogEntry entry, long nowMillis) {
        Long reported = peer.progress.get(entry.origin());
        if (reported == null) {
            return false; // the peer does not hear the origin itself: forward
        }
        Long source = sources.get(entry.seq());
        if (source == null) {
            // Merged from a state exchange, not from a batch of the origin's log: no report will
            // ever say the peer has it, and holding it back would hold it (and every later entry's
            // truncation) back for good. Forward it: a duplicate is harmless.
            return false;
        }
        if (reported >= source) {
            return true;
        }
        peer.deferred.putIfAbsent(entry.seq(), new PeerState.Deferred(entry.seq(), entry.origin(), nowMillis + config.forwardDelayMillis()));
        return true;
    }

    /**
     * Looks again at entries held back from {@code peer} that are due: covered by its progress
     * now, they are dropped; its link to their origin gone, it is sent everything from the first
     * of them after all; otherwise they wait another delay (the origin still owes them).
     */
    private void resolveDeferred(PeerState peer, long nowMillis) {
        while (!peer.deferred.isEmpty()) {
            PeerState.Deferred d = peer.deferred.firstEntry().getValue();
            if (d.dueMillis() > nowMillis) {
                return;
            }
            Long reported = peer.progress.get(d.origin());
            Long source = sources.get(d.seq());
            if (reported != null && source != null && reported >= source) {
                peer.deferred.pollFirstEntry();
            } else if (reported == null || source == null) {
                peer.resendFrom = d.seq() - 1;
                peer.deferred.clear();
                return;
            } else {
                peer.deferred.pollFirstEntry();
                peer.deferred.put(d.seq(), new PeerState.Deferred(d.seq(), d.origin(), nowMillis + config.forwardDelayMillis()));
                return;
            }
        }
    }

    /** Every round: an acknowledgement, a sign of life and a report of how far each other peer's log was merged here. */
    private void sendHeartbeat(PeerState peer) {
        List<Progress> progress = new ArrayList<>();
        for (PeerState other : peers.values()) {
            if (other != peer && other.connected) {
                progress.add(new Progress(other.id, other.merged));
            }
        }
        if (send(peer.id, new Heartbeat(peer.merged, progress)) == Transport.SendResult.QUEUED) {
            ackCarried(peer);
        }
    }

    /**
     * Acknowledges what {@code peer}'s batches brought: at once after a quiet spell or when the peer
     * asked ({@code now}), else once the acknowledgement delay since the last one has passed,
     * together with whatever else arrives meanwhile.
     */
    private void acknowledgeSoon(PeerState peer, boolean now) {
        long nowMillis = loop.nowMillis();
        long since = nowMillis - peer.ackSentAtMillis;
        if (now || peer.ackSentAtMillis == PeerState.NEVER || since >= config.ackDelayMillis()) {
            acknowledge(peer);
            return;
        }
        if (!peer.ackScheduled) {
            peer.ackScheduled = true;
            loop.schedule(config.ackDelayMillis() - since, () -> {
                peer.ackScheduled = false;
                if (peers.get(peer.id) == peer && peer.connected && peer.ackSent < peer.merged) {
                    acknowledge(peer);
                }
            });
        }
    }

    private void acknowledge(PeerState peer) {
        if (send(peer.id, new Ack(peer.merged)) == Transport.SendResult.QUEUED) {
            ackCarried(peer);
        }
    }

    /** Whether our merged point moved since {@code peer} was last told it (a batch carries it only then; 0: none). */
    private static boolean ackOwed(PeerState peer) {
        return peer.merged > 0 && peer.ackSent < peer.merged;
    }

    /** A message to {@code peer} that carries our merged point went out. */
    private void ackCarried(PeerState peer) {
        peer.ackSent = peer.merged;
        if (peer.merged > 0) { // a merged point of 0 acknowledges nothing: it opens no coalescing window
            peer.ackSentAtMillis = loop.nowMillis();
        }
    }

    /**
     * Callers wait for the local log through {@code seq} to be acknowledged (0: nobody waits any
     * more): batches that carry any of it ask the peer to acknowledge at once rather than coalesce,
     * and a peer that has it already, unacknowledged, is asked now.
     */
    public void acknowledgementsWantedThrough(long seq) {
        long wanted = Math.min(seq, store.lastSeq());
        boolean rose = wanted > ackWantedThrough;
        ackWantedThrough = wanted;
        if (!rose) {
            return; // peers were asked when the mark rose to here; their acknowledgements are on their way
        }
        for (PeerState peer : peers.values()) {
            if (peer.connected && peer.acked < ackWantedThrough && peer.sentUpTo >= ackWantedThrough) {
                // An empty batch at the peer's acknowledged point: contiguous for it, so it answers at once.
                boolean ack = ackOwed(peer);
                if (send(peer.id, new DeltaBatch(peer.acked, peer.acked, List.of(), ack ? peer.merged : 0, true))
                        == Transport.SendResult.QUEUED && ack) {
                    ackCarried(peer);
                }
            }
        }
    }

    private void persistAcks() {
        if (!acksDirty) {
            return;
        }
        acksDirty = false;
        Map<ReplicaId, Long> acks = new HashMap<>();
        peers.forEach((id, p) -> acks.put(id, p.safeAcked()));
        store.commit(new Commit(self, List.of(), acks, Optional.empty()));
    }

    /** Drops log entries every known peer acknowledged, or beyond the retention for slow peers. */
    private void truncateLog(long lastSeq) {
        long minAcked = lastSeq;
        for (PeerState p : peers.values()) {
            minAcked = Math.min(minAcked, p.safeAcked());
        }
        long through = Math.max(minAcked, lastSeq - config.retainedLogEntries());
        if (through > truncatedThrough) {
            store.truncateDeltaLog(through);
            truncatedThrough = through;
            sources.headMap(through, true).clear();
        }
    }

    /** Sends through the port; a message the transport cannot carry is a refused send, never an exception here. */
    private Transport.SendResult send(ReplicaId peer, SyncMessage message) {
        try {
            return transport.send(peer, message);
        } catch (IllegalArgumentException tooLarge) {
            LOG.error("could not send a {} to {}: {}", message.getClass().getSimpleName(), peer, tooLarge.getMessage());
            return Transport.SendResult.BACK_PRESSURED;
        }
    }

    // ------------------------------------------------------------------ messages

    public void onMessage(ReplicaId from, SyncMessage message, long nowMillis) {
        PeerState peer = peer(from);
        peer.lastContactMillis = nowMillis;
        if (message instanceof DeltaBatch b) {
            onDeltaBatch(peer, b);
        } else if (message instanceof Ack a) {
            onAck(peer, a.seq());
        } else if (message instanceof Heartbeat h) {
            peer.detector.heartbeat(nowMillis);
            if (peer.suspected) {
                updateSuspicion(peer, nowMillis);
            }
            onAck(peer, h.ackSeq());
            Map<ReplicaId, Long> progress = new HashMap<>();
            for (Progress p : h.progress()) {
                if (!p.origin().equals(self) && !p.origin().equals(peer.id)) {
                    progress.put(p.origin(), p.seq());
                }
            }
            peer.progress = progress;
        } else if (message instanceof DigestRequest r) {
            onDigestRequest(peer, r);
        } else if (message instanceof DigestResponse r) {
            onDigestResponse(peer, r, nowMillis);
        } else if (message instanceof StateBatch b) {
            if (b.reply()) {
                onStateReply(peer, b, nowMillis);
            } else {
                onStateOffer(peer, b);
            }
        }
    }

    private void onDeltaBatch(PeerState peer, DeltaBatch b) {
        if (b.ackSeq() > 0) {
            onAck(peer, b.ackSeq());
        }
        if (b.deltas().size() > config.maxDocumentsPerMessage()) {
            reject(peer, "delta batch of " + b.deltas().size() + " documents exceeds " + config.maxDocumentsPerMessage());
            return;
        }
        long through = Math.max(peer.merged, peer.receivedThrough);
        boolean pastRun = b.fromSeq() > through;
        if (pastRun && b.toSeq() > b.fromSeq()) {
            // The causal delta-merging condition: an earlier batch was lost, and this one is not
            // merged before it. A write's delta names only the dots its writer held then, not the
            // ones those had replaced: merged out of order, a map's counter field would add an
            // overwritten total, a removed element show again, until the gap came. The sender
            // resends from our acknowledgement.
            LOG.debug("batch ({}, {}] from {} starts past {}: one before it was lost; not merged", b.fromSeq(), b.toSeq(), peer.id, through);
            return;
        }
        if (!pastRun) {
            peer.receivedThrough = Math.max(through, b.toSeq());
        } // else a batch of no interval: whole states (a removed replica's farewell), merged at once
        // Merges may complete out of order (one with nothing new completes with the commit before
        // it, and a future runs its dependants in no promised order); their effects on positions
        // are applied in arrival order, or a batch finishing before the one below it would look
        // like a gap and leave the position behind until a retransmission.
        PeerState.Merging merging = new PeerState.Merging(b.fromSeq(), b.toSeq(), !b.deltas().isEmpty(), b.ackNow());
        peer.merging.add(merging);
        CompletionStage<Long> applied;
        try {
            applied = applier.apply(peer.id, b.deltas());
        } catch (RuntimeException e) {
            applied = CompletableFuture.failedFuture(e); // one lost batch, never a stuck queue
        }
        applied.whenComplete((seq, failure) -> loop.execute(() -> {
            merging.done = true;
            merging.failed = failure != null;
            merging.seq = seq == null ? -1 : seq;
            if (failure != null) {
                LOG.warn("merging deltas ({}, {}] from {} failed: {}", b.fromSeq(), b.toSeq(), peer.id, failure.toString());
            }
            drainMerged(peer);
        }));
    }

    /**
     * Applies the merges of {@code peer}'s batches that completed, in arrival order, up to the first
     * still in progress: positions move only by contiguous batches (a batch past a gap is not
     * even merged, see {@link #onDeltaBatch}; one taken in after a merge that failed is merged but
     * not acknowledged, and the sender's retransmission from our ack fills the gap).
     */
    private void drainMerged(PeerState peer) {
        if (peers.get(peer.id) != peer) {
            peer.merging.clear(); // forgotten meanwhile (removed from the cluster)
            return;
        }
        boolean moved = false;
        boolean deltas = false;
        boolean ackNow = false;
        while (!peer.merging.isEmpty() && peer.merging.peekFirst().done) {
            PeerState.Merging m = peer.merging.pollFirst();
            if (m.failed) {
                peer.receivedThrough = peer.merged; // the failed range comes again; nothing past it is taken before
                continue;
            }
            if (m.seq > 0) {
                sources.put(m.seq, m.toSeq);
            }
            if (m.fromSeq > peer.merged) {
                // Taken in after a batch whose merge then failed: not acknowledged, so it comes again.
                LOG.debug("batch ({}, {}] from {} starts past its merged point {}: merged, not acknowledged",
                        m.fromSeq, m.toSeq, peer.id, peer.merged);
                continue;
            }
            if (m.toSeq > peer.merged) {
                peer.merged = m.toSeq;
                moved = true;
            }
            if (m.hasDeltas && m.fromSeq < peer.ackSent) {
                // Resent from below what we told the peer: it did not hear us, so tell it again.
                peer.ackSent = m.fromSeq;
            }
            deltas |= m.hasDeltas;
            ackNow |= m.ackNow;
        }
        if (!peer.connected) {
            return;
        }
        if (moved) {
            service(peer, loop.nowMillis(), false);
        }
        // A batch of no deltas only covers the peer's log; its ack can wait for the round's heartbeat.
        if (ackOwed(peer) && (deltas || ackNow)) {
            acknowledgeSoon(peer, ackNow);
        }
    }

    private void onAck(PeerState peer, long seq) {
        long lastSeq = store.lastSeq();
        if (seq > lastSeq) {
            reject(peer, "ack " + seq + " is beyond the last sequence number " + lastSeq + " of this log");
            return;
        }
        peer.reportedMerged = seq;
        if (peer.resendFloor >= 0 && seq > peer.resendSettledPast) {
            peer.resendFloor = -1; // the peer merged a batch sent after the resend, on the same link
        }
        if (seq > peer.acked) {
            peer.acked = seq;
            peer.sentUpTo = Math.max(peer.sentUpTo, seq);
            // The timer measures silence since the last progress, not since the last send: a
            // peer that keeps getting new batches but acknowledges none past a gap gets the gap again.
            peer.sentAtMillis = loop.nowMillis();
            peer.retransmissions = 0;
            if (seq >= lastSeq) {
                peer.behindSinceMillis = -1;
            }
            acksDirty = true;
            observer.onAcked(peer.id, seq);
        }
    }

    private void reject(PeerState peer, String reason) {
        LOG.warn("refused message from {}: {}", peer.id, reason);
        observer.onRejected(peer.id, reason);
    }

    // ------------------------------------------------------------------ catch-up, as initiator

    private void startCatchUp(PeerState peer, long nowMillis, String why, boolean holdsDeltas) {
        if (peer.catchUp != null || !peer.connected) {
            return;
        }
        LOG.info("catching {} up by digest: {}", peer.id, why);
        peer.catchUp = new CatchUp(store.lastSeq(), nowMillis, holdsDeltas);
        scheduleAntiEntropy(peer, nowMillis);
        requestDigests(peer, List.of(KeyHashRange.ALL));
    }

    /**
     * The next backstop with {@code peer}, between half and one and a half intervals from now:
     * replicas linked at the same moment would otherwise compare digests with every peer at the
     * same moment, every interval, and under load the comparisons together stall replication.
     */
    private void scheduleAntiEntropy(PeerState peer, long nowMillis) {
        long interval = config.antiEntropyIntervalMillis();
        if (interval == 0 || interval > Long.MAX_VALUE / 4) {
            peer.nextAntiEntropyMillis = Long.MAX_VALUE; // off, or too far to draw without overflow: never
            return;
        }
        peer.nextAntiEntropyMillis = nowMillis + interval / 2 + random.nextLong(interval + 1);
    }

    private void requestDigests(PeerState peer, List<KeyHashRange> ranges) {
        requestDigests(peer, ranges, 0);
    }

    private void requestDigests(PeerState peer, List<KeyHashRange> ranges, int attempt) {
        for (int i = 0; i < ranges.size() && peer.catchUp != null; i += config.maxRangesPerMessage()) {
            List<KeyHashRange> chunk = List.copyOf(ranges.subList(i, Math.min(ranges.size(), i + config.maxRangesPerMessage())));
            long id = nextRequestId++;
            if (send(peer.id, new DigestRequest(id, chunk)) != Transport.SendResult.QUEUED) {
                abandonCatchUp(peer, "could not send a digest request");
                return;
            }
            pending.put(id, new Pending(peer.id, Kind.DIGEST, chunk, attempt));
            peer.catchUp.outstanding++;
        }
    }

    /** Whether a round passes well within the catch-up timeout, so a range may wait a round to settle. */
    private boolean settlesWithinTimeout() {
        return config.gossipIntervalMillis() * 4 < config.catchUpTimeoutMillis(); // a range waits up to two rounds
    }

    /**
     * Compares again, a round later, the small ranges a backstop found differing: what differed
     * only by deltas on their way then compares equal, and only what still differs is exchanged.
     */
    private void compareSettledLeaves(PeerState peer, long nowMillis) {
        CatchUp c = peer.catchUp;
        Map<Integer, List<KeyHashRange>> byAttempt = new TreeMap<>();
        int due = 0;
        for (java.util.Iterator<CatchUp.Settling> it = c.settling.iterator(); it.hasNext(); ) {
            CatchUp.Settling leaf = it.next();
            if (leaf.dueMillis() <= nowMillis) {
                byAttempt.computeIfAbsent(leaf.attempt(), a -> new ArrayList<>()).add(leaf.range());
                it.remove();
                due++;
            }
        }
        if (due == 0) {
            return; // found just before this round: they wait a whole one
        }
        c.outstanding -= due;
        c.lastProgressMillis = nowMillis;
        byAttempt.forEach((attempt, ranges) -> requestDigests(peer, ranges, attempt));
        completeIfDone(peer);
    }

    private void onDigestResponse(PeerState peer, DigestResponse r, long nowMillis) {
        Pending p = pending.get(r.requestId());
        if (p == null || !p.peer().equals(peer.id) || p.kind() != Kind.DIGEST || peer.catchUp == null) {
            reject(peer, "digest response " + r.requestId() + " answers no request of ours");
            return;
        }
        List<RangeDigest> theirs = r.digests();
        if (theirs.size() != p.ranges().size()) {
            reject(peer, "digest response " + r.requestId() + " has " + theirs.size() + " digests for " + p.ranges().size() + " ranges");
            return;
        }
        for (int i = 0; i < theirs.size(); i++) {
            if (!theirs.get(i).range().equals(p.ranges().get(i))) {
                reject(peer, "digest response " + r.requestId() + " answers range " + theirs.get(i).range() + " not asked for");
                return;
            }
        }
        pending.remove(r.requestId());
        CatchUp c = peer.catchUp;
        c.lastProgressMillis = nowMillis;
        // Computed off the loop (see DocumentStore#digestsAsync): the first digests of a backstop
        // hash every document changed since the last, which under load held up replication.
        store.digestsAsync(p.ranges()).whenComplete((mine, failure) -> loop.execute(() -> {
            if (peer.catchUp != c || peers.get(peer.id) != peer) {
                return; // abandoned meanwhile (a link flap, a timeout, a removal)
            }
            c.outstanding--;
            c.lastProgressMillis = loop.nowMillis(); // time spent computing is not silence from the peer
            if (failure != null) {
                abandonCatchUp(peer, "the store failed to compute digests: " + failure);
                return;
            }
            compareDigests(peer, c, p, theirs, mine);
        }));
    }

    /** Descends into the ranges where our digests ({@code mine}) and the peer's differ, or exchanges their states. */
    private void compareDigests(PeerState peer, CatchUp c, Pending p, List<RangeDigest> theirs, List<RangeDigest> mine) {
        List<KeyHashRange> deeper = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            RangeDigest m = mine.get(i);
            RangeDigest t = theirs.get(i);
            c.rangesCompared++;
            if (m.hash() == t.hash() && m.documents() == t.documents()) {
                continue;
            }
            // Offer the range's states when it is small, or when one side holds at most a quarter
            // of the other: then most of the larger side is missing at the smaller, and sending it
            // at once (chunked) beats walking the tree down to it, as for a new or emptied peer.
            // Otherwise descend, so two similar large sides exchange only what differs.
            // Never offer more than the peer keeps for one exchange (it refuses the rest): a larger
            // range is descended into, one level more for an emptied peer behind a large store.
            long few = Math.min(m.documents(), t.documents());
            long many = Math.max(m.documents(), t.documents());
            boolean fits = m.documents() <= maxOfferedDocuments();
            boolean small = m.documents() + t.documents() <= config.leafDocuments();
            if (small && !c.holdsDeltas && p.attempt < SETTLE_ATTEMPTS && settlesWithinTimeout()) {
                // A backstop runs while deltas flow: a small range that differs may differ only by
                // deltas on their way. Compare it again next round before exchanging its states,
                // which under load would otherwise offer hundreds of documents the peer is about
                // to hold anyway, and hold up replication while both sides read and merge them.
                c.settling.add(new CatchUp.Settling(m.range(), p.attempt + 1, loop.nowMillis() + config.gossipIntervalMillis()));
                c.outstanding++;
            } else if (small || few * 4 <= many && fits || m.range().bits() >= FINEST_BITS) {
                offerStates(peer, m.range());
                if (peer.catchUp != c) {
                    return; // abandoned: the states could not be sent (the link went down under us)
                }
            } else {
                deeper.addAll(children(m.range()));
            }
        }
        if (!deeper.isEmpty()) {
            requestDigests(peer, deeper);
        }
        completeIfDone(peer);
    }

    private static List<KeyHashRange> children(KeyHashRange range) {
        List<KeyHashRange> out = new ArrayList<>(1 << SPLIT_BITS);
        out.add(range);
        for (int level = 0; level < SPLIT_BITS; level++) {
            List<KeyHashRange> next = new ArrayList<>(out.size() * 2);
            for (KeyHashRange r : out) {
                next.addAll(List.of(r.split()));
            }
            out = next;
        }
        return out;
    }

    /** Sends all local documents of {@code range}, chunked; the peer answers with what we lack. */
    private void offerStates(PeerState peer, KeyHashRange range) {
        long id = nextRequestId++;
        List<Document> all = new ArrayList<>();
        Bytes after = null;
        while (true) {
            List<Bytes> keys = store.keysInHashRange(range, after, 1_000);
            for (Bytes key : keys) {
                store.read(key).ifPresent(state -> all.add(new Document(key, state)));
            }
            if (keys.size() < 1_000) {
                break;
            }
            after = keys.get(keys.size() - 1);
        }
        pending.put(id, new Pending(peer.id, Kind.STATE, List.of(range)));
        peer.catchUp.outstanding++;
        peer.catchUp.documentsSent += all.size();
        if (!sendStates(peer, id, range, all, false)) {
            abandonCatchUp(peer, "could not send states");
        }
    }

    /**
     * Sends documents in chunks of at most {@code maxBatchBytes} and {@code maxDocumentsPerMessage};
     * a document larger than a chunk goes as several parts whose join is the document.
     */
    private boolean sendStates(PeerState peer, long id, KeyHashRange range, List<Document> documents, boolean reply) {
        List<Document> pieces = new ArrayList<>(documents.size());
        for (Document d : documents) {
            int budget = config.maxBatchBytes() - d.key().length() - 64;
            if (CrdtCodec.encodedSize(d.value()) <= budget) {
                pieces.add(d);
            } else {
                for (Crdt<?> part : Decomposition.split(d.value(), budget)) {
                    pieces.add(new Document(d.key(), part));
                }
            }
        }
        List<Document> chunk = new ArrayList<>();
        long bytes = 0;
        int part = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Document d = pieces.get(i);
            long size = d.key().length() + CrdtCodec.encodedSize(d.value());
            if (!chunk.isEmpty() && (bytes + size > config.maxBatchBytes() || chunk.size() >= config.maxDocumentsPerMessage())) {
                if (send(peer.id, new StateBatch(id, range, chunk, part++, false, reply)) != Transport.SendResult.QUEUED) {
                    return false;
                }
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(d);
            bytes += size;
        }
        return send(peer.id, new StateBatch(id, range, chunk, part, true, reply)) == Transport.SendResult.QUEUED;
    }

    private void onStateReply(PeerState peer, StateBatch b, long nowMillis) {
        Pending p = pending.get(b.requestId());
        if (p == null || !p.peer().equals(peer.id) || p.kind() != Kind.STATE || !p.ranges().get(0).equals(b.range())) {
            reject(peer, "state reply " + b.requestId() + " answers no request of ours");
            return;
        }
        if (!b.keysInRange()) {
            reject(peer, "state reply " + b.requestId() + " holds keys outside range " + b.range());
            return;
        }
        CatchUp session = peer.catchUp;
        if (b.part() != p.nextPart++) {
            // A part of the reply was lost on the way: the range would count as caught up short.
            pending.remove(b.requestId());
            if (session != null) {
                abandonCatchUp(peer, "part " + (p.nextPart - 1) + " of a state reply was lost (got part " + b.part() + ")");
            }
            return;
        }
        if (session != null) {
            session.lastProgressMillis = nowMillis;
        }
        if (b.last()) {
            pending.remove(b.requestId());
        }
        applier.apply(peer.id, b.documents()).whenComplete((ok, failure) -> loop.execute(() -> {
            if (session == null || peer.catchUp != session || peers.get(peer.id) != peer) {
                return; // that session was abandoned (a link flap, a timeout, a removal): its merges count for no later one
            }
            if (failure != null) {
                LOG.warn("merging states from {} failed: {}", peer.id, failure.toString());
                abandonCatchUp(peer, "merge failed");
                return;
            }
            if (b.last()) {
                session.outstanding--;
                completeIfDone(peer);
            }
        }));
    }

    private void completeIfDone(PeerState peer) {
        CatchUp c = peer.catchUp;
        if (c == null || c.outstanding > 0) {
            return;
        }
        peer.catchUp = null;
        LOG.info("caught {} up by digest: {} ranges compared, {} documents offered", peer.id, c.rangesCompared, c.documentsSent);
        if (c.startSeq > peer.acked) {
            // The peer now holds every document state as of startSeq, durably (it answered last).
            peer.acked = c.startSeq;
            acksDirty = true;
            observer.onAcked(peer.id, c.startSeq);
        }
        if (peer.resendFrom < c.startSeq) {
            peer.resendFrom = -1; // the states brought the peer everything held back from it before the start
        }
        if (peer.resendFloor < c.startSeq) {
            peer.resendFloor = -1;
        }
        cover(peer);
        // From the acknowledged point, also after a backstop during which deltas flowed: a batch of
        // those lost before the cover would otherwise wait for the retransmission timer, and what
        // is resent is only what the peer has not acknowledged yet (about one delay's worth).
        peer.sentUpTo = peer.acked;
        service(peer, loop.nowMillis(), false);
    }

    private void abandonCatchUp(PeerState peer, String why) {
        if (peer.catchUp == null) {
            return;
        }
        LOG.info("abandoning catch-up of {}: {}", peer.id, why);
        peer.catchUp = null;
        pending.values().removeIf(p -> p.peer().equals(peer.id));
    }

    // ------------------------------------------------------------------ catch-up, as responder

    private void onDigestRequest(PeerState peer, DigestRequest r) {
        if (r.ranges().size() > config.maxRangesPerMessage()) {
            reject(peer, "digest request for " + r.ranges().size() + " ranges exceeds " + config.maxRangesPerMessage());
            return;
        }
        long epoch = peer.linkEpoch;
        store.digestsAsync(r.ranges()).whenComplete((digests, failed) -> loop.execute(() -> {
            if (failed != null) {
                LOG.warn("not answering digest request {} from {}: the store failed: {}", r.requestId(), peer.id, failed.toString());
                return;
            }
            // The digests include commits still queued (merges not yet durable). The asker takes a
            // match for "this peer holds my log through here" and stops resending it, so the answer
            // waits until everything it describes is durable: an empty commit, behind the others.
            store.commit(new Commit(self, List.of(), Map.of(), Optional.empty())).whenComplete((seq, failure) -> loop.execute(() -> {
                if (failure != null) {
                    LOG.warn("not answering digest request {} from {}: the store failed: {}", r.requestId(), peer.id, failure.toString());
                } else if (peers.get(peer.id) == peer && peer.connected && peer.linkEpoch == epoch) {
                    // On a new link the asker has dropped the request: it would refuse the answer.
                    send(peer.id, new DigestResponse(r.requestId(), digests));
                }
            }));
        }));
    }

    private void onStateOffer(PeerState peer, StateBatch b) {
        Map<Long, Incoming> exchanges = incoming.computeIfAbsent(peer.id, k -> new LinkedHashMap<>());
        Incoming in = exchanges.get(b.requestId());
        if (!b.keysInRange()) {
            if (in != null) {
                in.breakOff(); // a part refused: the rest of the offer is not answered either
            }
            reject(peer, "state offer " + b.requestId() + " holds keys outside range " + b.range());
            return;
        }
        if (in == null) {
            if (exchanges.size() >= config.maxRangesPerMessage()) {
                // The peer abandoned the oldest (a catch-up that timed out and started over never
                // sends its last chunk): drop it rather than refuse every new exchange until the
                // link resets. Memory stays bounded either way; a live exchange dropped here only
                // times out at its initiator and is retried.
                Long oldest = exchanges.keySet().iterator().next();
                exchanges.remove(oldest);
                LOG.debug("dropping state exchange {} from {}: more than {} open at once", oldest, peer.id, config.maxRangesPerMessage());
            }
            in = new Incoming(b.range());
            exchanges.put(b.requestId(), in);
        } else if (!in.range.equals(b.range())) {
            reject(peer, "state offer " + b.requestId() + " changed its range");
            return;
        }
        if (b.part() != in.nextPart++ && !in.broken) {
            LOG.debug("state offer {} from {}: part {} arrived where part {} was due; the offer is not answered",
                    b.requestId(), peer.id, b.part(), in.nextPart - 1);
            in.breakOff();
        }
        if (in.broken) {
            // An earlier part was refused, failed to merge or was lost: the rest is not merged and
            // the offer is never answered, so the offering side times out instead of counting as done.
            if (b.last()) {
                exchanges.remove(b.requestId(), in);
            }
            return;
        }
        if (in.theirs.size() + b.documents().size() > maxOfferedDocuments()) {
            in.breakOff();
            if (b.last()) {
                exchanges.remove(b.requestId(), in);
            }
            reject(peer, "state offer " + b.requestId() + " exceeds " + maxOfferedDocuments() + " documents");
            return;
        }
        for (Document d : b.documents()) {
            in.theirs.merge(d.key(), d.value(), SyncProtocol::joinOrKeep);
        }
        Incoming exchange = in;
        applier.apply(peer.id, b.documents()).whenComplete((ok, failure) -> loop.execute(() -> {
            if (failure != null) {
                LOG.warn("merging offered states from {} failed: {}", peer.id, failure.toString());
                exchange.breakOff();
            }
            if (b.last()) {
                exchanges.remove(b.requestId(), exchange);
                if (!exchange.broken && peers.get(peer.id) == peer) {
                    answer(peer, b.requestId(), exchange);
                }
            }
        }));
    }

    /** The documents a replica keeps of one state offer, to answer it with what the offering side lacks. */
    private long maxOfferedDocuments() {
        return 4L * config.maxDocumentsPerMessage();
    }

    private static Crdt<?> joinOrKeep(Crdt<?> a, Crdt<?> b) {
        try {
            return Crdt.joinAny(a, b);
        } catch (WrongTypeException e) {
            return a;
        }
    }

    /** Answers a state offer with exactly what the offering peer lacks in the range. */
    private void answer(PeerState peer, long requestId, Incoming exchange) {
        List<Document> reply = new ArrayList<>();
        Bytes after = null;
        while (true) {
            List<Bytes> keys = store.keysInHashRange(exchange.range, after, 1_000);
            for (Bytes key : keys) {
                Optional<Crdt<?>> mine = store.read(key);
                if (mine.isEmpty()) {
                    continue;
                }
                Crdt<?> theirs = exchange.theirs.get(key);
                if (theirs == null) {
                    reply.add(new Document(key, mine.get()));
                } else {
                    // Of any types: a key written as another type here answers with that part too.
                    Crdt<?> lacking = Crdt.mergeAny(theirs, mine.get()).effectiveDelta();
                    if (!lacking.isBottom()) {
                        reply.add(new Document(key, lacking));
                    }
                }
            }
            if (keys.size() < 1_000) {
                break;
            }
            after = keys.get(keys.size() - 1);
        }
        sendStates(peer, requestId, exchange.range, reply, true);
    }

    // ------------------------------------------------------------------ status

    private PeerState peer(ReplicaId id) {
        if (id.equals(self)) {
            throw new IllegalArgumentException("a replica is not its own peer: " + id);
        }
        return peers.computeIfAbsent(id, p -> new PeerState(p, new PhiAccrual(config.gossipIntervalMillis())));
    }

    /** Visits each known peer: connected, acknowledged sequence number, last contact, lag since (or -1). */
    public void forEachPeer(PeerVisitor visitor) {
        for (PeerState p : peers.values()) {
            visitor.visit(p.id, p.connected, p.acked, p.lastContactMillis, p.behindSinceMillis, p.catchUp != null, p.suspected);
        }
    }

    /** Receives one peer's status. */
    @FunctionalInterface
    public interface PeerVisitor {
        void visit(ReplicaId peer, boolean connected, long ackedSeq, long lastContactMillis, long behindSinceMillis,
                   boolean catchingUp, boolean suspected);
    }

    /** The sequence number {@code peer} has acknowledged, 0 when unknown. */
    public long acked(ReplicaId peer) {
        PeerState p = peers.get(peer);
        return p == null ? 0 : p.acked;
    }
}
