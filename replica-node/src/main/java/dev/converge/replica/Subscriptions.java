package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Change subscriptions: coalescing, bounded, delivered in order per subscriber on the callback executor. */
final class Subscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

    private final Executor callbacks;
    private final int maxPending;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    Subscriptions(Executor callbacks, int maxPending) {
        this.callbacks = callbacks;
        this.maxPending = maxPending;
    }

    Subscription subscribe(Bytes keyOrPrefix, boolean prefix, ChangeListener listener) {
        Subscriber s = new Subscriber(keyOrPrefix, prefix, listener);
        subscribers.add(s);
        return () -> {
            s.closed = true;
            subscribers.remove(s);
        };
    }

    void publish(Bytes key, Crdt<?> state, boolean local) {
        for (Subscriber s : subscribers) {
            if (s.matches(key)) {
                s.offer(new ChangeEvent(key, state, local));
            }
        }
    }

    /** A listener that throws must not stop delivery to it, or to anyone else. */
    private static void deliver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("a change listener failed: {}", e.toString());
        }
    }

    private final class Subscriber {
        private final Bytes key;
        private final boolean prefix;
        private final ChangeListener listener;
        private final Map<Bytes, ChangeEvent> pending = new LinkedHashMap<>();
        private long overflowed;
        private boolean draining;
        private volatile boolean closed;

        Subscriber(Bytes key, boolean prefix, ChangeListener listener) {
            this.key = key;
            this.prefix = prefix;
            this.listener = listener;
        }

        boolean matches(Bytes candidate) {
            if (!prefix) {
                return candidate.equals(key);
            }
            if (candidate.length() < key.length() || Membership.reserved(candidate) && !Membership.reserved(key)) {
                return false; // the cluster's own documents go only to those who ask for them by their prefix
            }
            for (int i = 0; i < key.length(); i++) {
                if (candidate.byteAt(i) != key.byteAt(i)) {
                    return false;
                }
            }
            return true;
        }

        void offer(ChangeEvent event) {
            boolean schedule;
            synchronized (this) {
                if (pending.containsKey(event.key()) || pending.size() < maxPending) {
                    // Moved to the end: events leave in the order of their keys' latest changes, so a
                    // listener never sees a newer change of one key before an older one of another.
                    pending.remove(event.key());
                    pending.put(event.key(), event);
                } else {
                    overflowed++;
                }
                schedule = !draining;
                draining = true;
            }
            if (schedule) {
                schedule();
            }
        }

        private void schedule() {
            try {
                callbacks.execute(this::drain);
            } catch (RejectedExecutionException closing) {
                synchronized (this) {
                    draining = false; // a later offer tries again
                }
            }
        }

        private void drain() {
            boolean finished = false;
            try {
                drainAll();
                finished = true;
            } finally {
                if (!finished) {
                    // A listener threw an Error (caught nowhere else): delivery to it goes on with
                    // what is left, instead of this subscriber staying marked as draining for good.
                    boolean more;
                    synchronized (this) {
                        more = !pending.isEmpty() || overflowed > 0;
                        draining = more;
                    }
                    if (more) {
                        schedule();
                    }
                }
            }
        }

        private void drainAll() {
            while (true) {
                List<ChangeEvent> batch;
                long missed;
                synchronized (this) {
                    if (pending.isEmpty() && overflowed == 0) {
                        draining = false;
                        return;
                    }
                    batch = new ArrayList<>(pending.values());
                    pending.clear();
                    missed = overflowed;
                    overflowed = 0;
                }
                int tried = 0; // events handed to the listener, the one that threw included
                boolean overflowTold = false;
                try {
                    for (ChangeEvent e : batch) {
                        tried++;
                        if (!closed) {
                            deliver(() -> listener.onChange(e));
                        }
                    }
                    overflowTold = true; // handed over now, whether or not the call below throws
                    if (missed > 0 && !closed) {
                        deliver(() -> listener.onOverflow(missed));
                    }
                } catch (Error e) {
                    // The listener threw an Error: what this batch had left is still owed to it.
                    requeue(batch.subList(tried, batch.size()), overflowTold ? 0 : missed);
                    throw e;
                }
            }
        }

        /** Puts undelivered events back ahead of newer ones, within the bound; a key changed since keeps its newer event. */
        private synchronized void requeue(List<ChangeEvent> undelivered, long missed) {
            Map<Bytes, ChangeEvent> newer = new LinkedHashMap<>(pending);
            pending.clear();
            for (ChangeEvent e : undelivered) {
                if (!newer.containsKey(e.key())) {
                    pending.put(e.key(), e);
                }
            }
            pending.putAll(newer);
            overflowed += missed;
            while (pending.size() > maxPending) {
                pending.remove(pending.keySet().iterator().next());
                overflowed++;
            }
        }
    }
}
