package dev.converge.node;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis client: runs its commands in order and answers in order, with pipelining.
 *
 * <p><b>Ordering.</b> Writes go to the engine as they arrive (the engine applies them in
 * submission order) and are answered when durable. A read waits until the connection's earlier
 * writes are applied, and a command whose reply is still pending for another reason (WAIT, INFO,
 * DBSIZE) holds back the commands after it, so a client always sees its own writes and a
 * pipeline behaves as the same commands sent one by one.
 *
 * <p><b>Bounds.</b> Reading stops while {@code maxPendingCommands} commands or
 * {@code maxPendingBytes} of their arguments are unanswered, or while the channel is not
 * writable (the client does not read its replies); TCP then pushes back on the client. Argument
 * bytes are returned to the node-wide budget when the reply is written or the client leaves.
 *
 * <p>Everything here runs on the channel's event loop; futures completed elsewhere hop back to it.
 */
final class RedisConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    /**
     * Replies from this size on are sent only while the large replies clients have not read yet, on
     * all connections together, stay within {@link RedisCommands#MAX_REPLY_BYTES}: clients that ask
     * for large replies and never read them would otherwise hold one each, however many they are
     * (1,024 clients each holding a reply just under a megabyte would be a gigabyte). Smaller ones
     * always go: at this size and the server's write-buffer mark, all clients together hold a few
     * hundred MiB of them at most.
     */
    static final long LARGE_REPLY_BYTES = 64 << 10;

    /** One command in flight. */
    private static final class Pending {
        final byte[][] args;
        final long bytes;
        final RedisCommands.Spec spec;
        final boolean closeAfter;
        Object reply;

        Pending(byte[][] args, long bytes, RedisCommands.Spec spec, boolean closeAfter) {
            this.args = args;
            this.bytes = bytes;
            this.spec = spec;
            this.closeAfter = closeAfter;
        }

        /** The reply once it is known, else null. */
        RedisMessage ready() {
            if (reply instanceof RedisMessage m) {
                return m;
            }
            CompletableFuture<?> f = (CompletableFuture<?>) reply;
            if (!f.isDone()) {
                return null;
            }
            try {
                return (RedisMessage) f.join();
            } catch (RuntimeException e) {
                return RedisReplies.failure(spec == null ? "?" : spec.name(), e);
            }
        }
    }

    private final RedisServer server;
    private final RedisCommands commands;
    private final RedisLimits limits;
    final ClientSession session;
    private final ArrayDeque<Pending> undispatched = new ArrayDeque<>();
    private final ArrayDeque<Pending> unanswered = new ArrayDeque<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private ChannelHandlerContext ctx;
    /** Completes when the latest write is durable (and so every earlier one applied). */
    private CompletableFuture<?> writes;
    /** A pending non-write reply that holds back every later command. */
    private CompletableFuture<?> blocker;
    private boolean waiting;
    private int pendingCommands;
    private long pendingBytes;
    private boolean paused;
    private boolean closing;
    private boolean unflushed;

    RedisConnection(RedisServer server, RedisCommands commands, RedisLimits limits, ClientSession session) {
        this.server = server;
        this.commands = commands;
        this.limits = limits;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            release(msg);
            return;
        }
        if (msg instanceof RedisRequest r) {
            RedisCommands.Spec spec = commands.lookup(r.args()[0]);
            boolean quit = spec.name().equals("quit");
            enqueue(new Pending(r.args(), r.bytes(), spec, quit));
        } else if (msg instanceof RequestAssembler.ProtocolError e) {
            protocolError(e.message(), e.message());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void release(Object msg) {
        if (msg instanceof RedisRequest r) {
            server.releaseBudget(r.bytes());
        }
        ReferenceCountUtil.release(msg);
    }

    private void enqueue(Pending p) {
        pendingCommands++;
        pendingBytes += p.bytes;
        undispatched.add(p);
        if (p.closeAfter) {
            closing = true;
            ctx.channel().config().setAutoRead(false);
        }
        pump();
        backpressure();
    }

    /**
     * Answers {@code -ERR Protocol error: reply} and closes. {@code logged} is what the log says:
     * never the client's own bytes, which may hold its password.
     */
    private void protocolError(String reply, String logged) {
        server.protocolError();
        LOG.debug("client {} broke the protocol: {}", ctx.channel().remoteAddress(), logged);
        Pending p = new Pending(null, 0, null, true);
        p.reply = RedisReplies.error("ERR Protocol error: " + reply);
        enqueue(p);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        drain();
    }

    /**
     * Dispatches commands in order while the next one may run, writing (not flushing) replies as
     * they are ready. Stops while the client is not taking its replies (the channel is not
     * writable): a pipeline of cheap commands with large replies must not build those replies
     * all at once.
     */
    private void pump() {
        while (!undispatched.isEmpty()) {
            if (!ctx.channel().isWritable()) {
                flush(); // resumes in channelWritabilityChanged
                return;
            }
            if (blocker != null) {
                if (!blocker.isDone()) {
                    waitFor(blocker);
                    return;
                }
                blocker = null;
            }
            Pending p = undispatched.peek();
            if (p.spec != null && p.spec.kind() == RedisCommands.Kind.READ && writes != null && !writes.isDone()) {
                waitFor(writes);
                return;
            }
            undispatched.poll();
            if (p.spec != null) {
                server.commandProcessed();
                p.reply = commands.dispatch(session, p.spec, p.args);
            }
            unanswered.add(p);
            if (p.reply instanceof CompletableFuture<?> f && !f.isDone()) {
                if (p.spec.kind() == RedisCommands.Kind.WRITE) {
                    writes = f;
                } else {
                    blocker = f;
                }
                f.whenComplete((v, e) -> scheduleDrain());
            }
            writeReady();
        }
    }

    private void waitFor(CompletableFuture<?> f) {
        if (waiting) {
            return;
        }
        waiting = true;
        f.whenComplete((v, e) -> ctx.executor().execute(() -> {
            waiting = false;
            if (ctx.channel().isActive()) {
                drain();
            }
        }));
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            ctx.executor().execute(() -> {
                drainScheduled.set(false);
                drain();
            });
        }
    }

    /** Writes what is ready, dispatches what may run, flushes once, and adjusts reading. */
    private void drain() {
        writeReady();
        pump();
        flush();
        backpressure();
    }

    private void flush() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /**
     * Writes the replies at the head that are ready, in order (without flushing), while the client
     * takes them: once the channel is not writable the rest wait here, their arguments still
     * counted against the node's budget, and go on in {@link #channelWritabilityChanged}. Without
     * that, a write at the head of a pipeline (its reply pending) let the commands behind it that
     * need not wait ({@code ECHO}) build their replies, and its completion wrote them all at once
     * into Netty's buffer, up to {@code maxPendingBytes} per client there. A closing reply
     * always goes.
     */
    private void writeReady() {
        while (!unanswered.isEmpty()) {
            Pending p = unanswered.peek();
            if (!p.closeAfter && !ctx.channel().isWritable() && ctx.channel().isActive()) {
                flush();
                return;
            }
            RedisMessage reply = p.ready();
            if (reply == null) {
                return;
            }
            unanswered.poll();
            pendingCommands--;
            pendingBytes -= p.bytes;
            server.releaseBudget(p.bytes);
            if (!ctx.channel().isActive()) {
                ReferenceCountUtil.release(reply);
                continue;
            }
            long size = RedisReplies.contentBytes(reply);
            boolean large = size >= LARGE_REPLY_BYTES;
            if (large && !server.reserveReply(size)) {
                ReferenceCountUtil.release(reply);
                reply = RedisReplies.error("ERR a reply of " + size + " bytes would bring the replies clients have not read yet to more than "
                        + RedisCommands.MAX_REPLY_BYTES + " bytes (now " + server.unsentReplyBytes() + "); try again, or ask for less");
                large = false;
            }
            if (reply instanceof ErrorRedisMessage) {
                server.errorReply();
            }
            if (p.closeAfter) {
                unflushed = false;
                ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
                discardAll();
                return;
            }
            if (large) {
                // Held for the whole node until the client takes it (or the connection closes).
                ctx.write(reply).addListener(f -> server.releaseReply(size));
            } else {
                ctx.write(reply, ctx.voidPromise());
            }
            unflushed = true;
        }
    }

    /** Stops reading while too much is unanswered or the client does not take its replies; resumes below half. */
    private void backpressure() {
        if (closing) {
            return;
        }
        boolean over = pendingCommands >= limits.maxPendingCommands() || pendingBytes >= limits.maxPendingBytes()
                || !ctx.channel().isWritable();
        if (over && !paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        } else if (paused && !over && pendingCommands <= limits.maxPendingCommands() / 2
                && pendingBytes <= limits.maxPendingBytes() / 2) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            drain();
        } else {
            backpressure();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            // Netty's RedisDecoder refused the bytes (a bad type byte, a length that is not a number, ...).
            if (!closing) {
                // Netty's messages quote the offending line, which may be a mistyped AUTH: the client gets it, the log does not.
                Throwable root = cause.getCause() != null ? cause.getCause() : cause;
                protocolError(root.getMessage() == null ? "malformed request" : root.getMessage(),
                        "malformed RESP (" + root.getClass().getSimpleName() + ")");
            }
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("client {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            LOG.warn("client {}: closing after an unexpected failure", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discardAll();
        session.close();
        ctx.fireChannelInactive();
    }

    /** Returns every pending command's bytes to the budget; later completions find nothing to write. */
    private void discardAll() {
        for (Pending p : undispatched) {
            server.releaseBudget(p.bytes);
        }
        for (Pending p : unanswered) {
            server.releaseBudget(p.bytes);
            if (p.reply instanceof RedisMessage m) {
                ReferenceCountUtil.release(m);
            } else if (p.reply instanceof CompletableFuture<?> f) {
                f.thenAccept(ReferenceCountUtil::release);
            }
        }
        undispatched.clear();
        unanswered.clear();
        pendingCommands = 0;
        pendingBytes = 0;
        closing = true;
    }
}
