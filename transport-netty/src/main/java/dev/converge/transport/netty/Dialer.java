package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a link to one endpoint: dials, and when the connection fails or ends, dials again after
 * a {@link Backoff} delay; a successful handshake resets the backoff.
 *
 * <p>When its connection closes while the peer it reached is still up over another connection
 * (the other side's dial won the duplicate-link rule), it does not dial: it waits for that link's
 * link-down. Two nodes that dial each other therefore settle on one connection instead of
 * replacing each other's every backoff period.
 */
final class Dialer {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    final Endpoint endpoint;
    private final ReplicaId localId;
    private final Function<Dialer, ChannelFuture> connector;
    private final EventExecutorGroup timers;
    private final Backoff backoff;
    private final Predicate<ReplicaId> peerUp;

    private int attempt;
    private boolean stopped;
    /** Not dialling while the transport is isolated ({@link NettyTransport#isolate()}); resumes on rejoin. */
    private boolean paused;
    private boolean idle;
    private Channel channel;
    private ScheduledFuture<?> retry;
    private ReplicaId peer;

    Dialer(Endpoint endpoint, ReplicaId localId, Function<Dialer, ChannelFuture> connector, EventExecutorGroup timers,
           Backoff backoff, Predicate<ReplicaId> peerUp) {
        this.endpoint = endpoint;
        this.localId = localId;
        this.connector = connector;
        this.timers = timers;
        this.backoff = backoff;
        this.peerUp = peerUp;
    }

    synchronized void start() {
        dial();
    }

    private synchronized void dial() {
        retry = null;
        if (stopped || paused) {
            return;
        }
        ChannelFuture connect = connector.apply(this);
        Channel ch = connect.channel();
        channel = ch;
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("[{}] cannot connect to {}: {}", localId, endpoint, HandshakeHandler.describe(f.cause()));
                ch.close();
            }
        });
        ch.closeFuture().addListener(f -> closed(ch));
    }

    private synchronized void closed(Channel ch) {
        if (channel != ch) {
            return;
        }
        channel = null;
        if (stopped || paused) {
            return;
        }
        if (peer != null && peerUp.test(peer)) {
            idle = true;
            log.debug("[{}] {} is served by another connection; not dialling it until its link goes down", localId, endpoint);
            return;
        }
        scheduleRetry();
    }

    private void scheduleRetry() {
        long delay = backoff.delayMillis(attempt, ThreadLocalRandom.current());
        attempt = Math.min(attempt + 1, 62);
        log.debug("[{}] dialling {} again in {} ms (attempt {})", localId, endpoint, delay, attempt);
        try {
            retry = timers.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stopped = true; // the event loops are shutting down
        }
    }

    /** Its connection authenticated {@code peer}: the endpoint is reachable, so backoff starts over. */
    synchronized void authenticated(ReplicaId peer) {
        this.peer = peer;
        attempt = 0;
    }

    /** {@code peer}'s link went down: an idle dialler of that peer dials again. */
    synchronized void peerDown(ReplicaId down) {
        if (idle && down.equals(peer) && !stopped && !paused) {
            idle = false;
            scheduleRetry();
        }
    }

    /** Never dials again; {@code why}, if given, is logged. The current connection is left alone. */
    synchronized void stop(String why) {
        if (why != null && !stopped) {
            log.warn("[{}] no longer dialling {}: {}", localId, endpoint, why);
        }
        stopped = true;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    /** Stops dialling until {@link #resume()}; the current connection is left to the caller to close. */
    synchronized void pause() {
        paused = true;
        idle = false;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    /** Dials again at once, with the backoff reset, unless a connection is still open or a dial is pending. */
    synchronized void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        attempt = 0;
        if (!stopped && channel == null && retry == null) {
            try {
                retry = timers.schedule(this::dial, 0, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                stopped = true; // the event loops are shutting down
            }
        }
    }

    synchronized Channel channel() {
        return channel;
    }

    synchronized ReplicaId peer() {
        return peer;
    }
}
