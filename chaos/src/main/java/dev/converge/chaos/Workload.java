package dev.converge.chaos;

import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Concurrent clients, each a thread with its own Jedis connection to every node, sending a
 * seeded mix of commands to seeded nodes at a paced rate, and recording each operation with its
 * invocation and completion time and outcome. The choice of command, key, value and node is a
 * pure function of the seed and the client; timing and outcomes are real.
 *
 * <p>Mix: 35% {@code SADD} of a unique element, 30% {@code INCRBY} of 1..5, 20% {@code SET} of a
 * unique value to one of the client's own registers, 5% {@code SMEMBERS}, 6% counter {@code GET},
 * 4% register {@code GET} (any client's). Reads are checked online against the values ever sent.
 */
final class Workload {

    private final List<Client> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Gate gate = new Gate();
    private final History history;
    private final RunClock clock;
    private final Keys keys;
    private final NodeCluster cluster;
    private final JedisClientConfig config;
    private final long intervalNanos;
    private volatile int round;
    private volatile boolean stopped;

    Workload(int clients, long seed, double opsPerSecond, int timeoutMillis, Keys keys, NodeCluster cluster, History history,
             RunClock clock) {
        this.history = history;
        this.clock = clock;
        this.keys = keys;
        this.cluster = cluster;
        this.config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(1_000)
                .socketTimeoutMillis(timeoutMillis)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .build();
        this.intervalNanos = (long) (clients * 1e9 / opsPerSecond);
        SplittableRandom root = new SplittableRandom(seed ^ 0x636c69656e7473L);
        for (int c = 1; c <= clients; c++) {
            this.clients.add(new Client(c, root.split()));
        }
    }

    /** Starts the client threads, paused. */
    void start() {
        for (Client c : clients) {
            Thread t = new Thread(c, "chaos-client-" + c.id);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Lets the clients run, recording their operations under {@code round}. */
    void resume(int round) {
        this.round = round;
        gate.open();
    }

    /** Stops new operations and waits until none is in flight (at most a client timeout). */
    void pause() throws InterruptedException {
        gate.close();
    }

    /** Ends the client threads. */
    void stop() throws InterruptedException {
        stopped = true;
        gate.close();
        gate.open();
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    /** Clients take turns only through this: open, they run; {@link #close()} waits until no operation is in flight. */
    private static final class Gate {
        private boolean open;
        private int active;

        synchronized boolean enter() throws InterruptedException {
            while (!open) {
                wait();
            }
            active++;
            return true;
        }

        synchronized void exit() {
            active--;
            notifyAll();
        }

        synchronized void open() {
            open = true;
            notifyAll();
        }

        synchronized void close() throws InterruptedException {
            open = false;
            while (active > 0) {
                wait();
            }
        }
    }

    private final class Client implements Runnable {
        final int id;
        final SplittableRandom rnd;
        final Jedis[] connections;
        final long[] connectedAt;
        final int[] generations;
        long seq;

        Client(int id, SplittableRandom rnd) {
            this.id = id;
            this.rnd = rnd;
            int n = cluster.nodes().size();
            this.connections = new Jedis[n];
            this.connectedAt = new long[n];
            this.generations = new int[n];
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            while (!stopped) {
                try {
                    gate.enter();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    if (stopped) {
                        return;
                    }
                    step();
                } finally {
                    gate.exit();
                }
                // Pace: one operation per interval; after a stall (a timeout, a pause) start over rather than burst.
                next += intervalNanos;
                long now = System.nanoTime();
                if (next < now - intervalNanos) {
                    next = now;
                } else if (next > now) {
                    LockSupport.parkNanos(next - now);
                }
            }
            for (Jedis j : connections) {
                if (j != null) {
                    j.close();
                }
            }
        }

        private void step() {
            int r = rnd.nextInt(100);
            int node = rnd.nextInt(connections.length);
            if (r < 35) {
                String key = keys.sets.get(rnd.nextInt(keys.sets.size()));
                run(node, Op.Kind.SADD, List.of(key), List.of(nextValue()), 0);
            } else if (r < 65) {
                String key = keys.counters.get(rnd.nextInt(keys.counters.size()));
                run(node, Op.Kind.INCRBY, List.of(key), null, 1 + rnd.nextInt(5));
            } else if (r < 80) {
                List<String> own = keys.registers.get(id - 1);
                run(node, Op.Kind.SET, List.of(own.get(rnd.nextInt(own.size()))), List.of(nextValue()), 0);
            } else if (r < 85) {
                // MSET of all the client's own registers, in a random order: one write of several keys.
                List<String> own = new ArrayList<>(keys.registers.get(id - 1));
                List<String> chosen = new ArrayList<>();
                List<String> values = new ArrayList<>();
                while (!own.isEmpty()) {
                    chosen.add(own.remove(rnd.nextInt(own.size())));
                    values.add(nextValue());
                }
                run(node, Op.Kind.MSET, chosen, values, 0);
            } else if (r < 90) {
                run(node, Op.Kind.SMEMBERS, List.of(keys.sets.get(rnd.nextInt(keys.sets.size()))), null, 0);
            } else if (r < 96) {
                run(node, Op.Kind.GET_COUNTER, List.of(keys.counters.get(rnd.nextInt(keys.counters.size()))), null, 0);
            } else {
                List<String> any = keys.registers.get(rnd.nextInt(keys.registers.size()));
                run(node, Op.Kind.GET_REGISTER, List.of(any.get(rnd.nextInt(any.size()))), null, 0);
            }
        }

        /** A value no other write of the run sends. */
        private String nextValue() {
            return "c" + id + "-" + (++seq);
        }

        /**
         * Sends one command ({@code keys} holds one key, or an {@code MSET}'s keys with
         * {@code values} in the same order; values null for reads and increments) and records one
         * operation per key, all with the command's outcome.
         */
        private void run(int node, Op.Kind kind, List<String> keys, List<String> values, long amount) {
            int round = Workload.this.round;
            long invoke = clock.micros();
            if (values != null) {
                for (int i = 0; i < keys.size(); i++) {
                    history.sending(keys.get(i), values.get(i), invoke);
                }
            }
            Jedis j = connections[node];
            if (j == null) {
                int generation = cluster.node(node).generation();
                try {
                    // Connects at once: a failure here means the request was never sent.
                    j = new Jedis(new HostAndPort("127.0.0.1", cluster.node(node).ports.redis()), config);
                } catch (RuntimeException e) {
                    for (int i = 0; i < keys.size(); i++) {
                        String value = values == null ? null : values.get(i);
                        if (value != null) {
                            history.neverSent(value);
                        }
                        history.record(new Op(id, node, kind, keys.get(i), value, amount, invoke, clock.micros(), Op.Outcome.FAIL, null,
                                describe(e), invoke, generation, round));
                    }
                    return;
                }
                connections[node] = j;
                connectedAt[node] = invoke;
                generations[node] = generation;
            }
            Op.Outcome outcome;
            String result = null;
            String error = null;
            Set<String> members = null;
            String key = keys.get(0);
            try {
                switch (kind) {
                    case SADD -> result = Long.toString(j.sadd(key, values.get(0)));
                    case INCRBY -> result = Long.toString(j.incrBy(key, amount));
                    case SET -> result = j.set(key, values.get(0));
                    case MSET -> {
                        String[] pairs = new String[2 * keys.size()];
                        for (int i = 0; i < keys.size(); i++) {
                            pairs[2 * i] = keys.get(i);
                            pairs[2 * i + 1] = values.get(i);
                        }
                        result = j.mset(pairs);
                    }
                    case SMEMBERS -> {
                        members = j.smembers(key);
                        result = Integer.toString(members.size());
                    }
                    case GET_COUNTER, GET_REGISTER -> result = j.get(key);
                    default -> throw new IllegalStateException(kind.label);
                }
                outcome = Op.Outcome.OK;
            } catch (JedisDataException e) {
                outcome = Op.Outcome.ERROR;
                error = describe(e);
            } catch (JedisConnectionException e) {
                outcome = timedOut(e) ? Op.Outcome.TIMEOUT : Op.Outcome.ERROR;
                error = describe(e);
                drop(node);
            } catch (RuntimeException e) {
                outcome = Op.Outcome.ERROR;
                error = describe(e);
                drop(node);
            }
            long complete = clock.micros();
            for (int i = 0; i < keys.size(); i++) {
                Op op = new Op(id, node, kind, keys.get(i), values == null ? null : values.get(i), amount, invoke, complete, outcome, result,
                        error, connectedAt[node], generations[node], round);
                history.record(op);
                if (outcome == Op.Outcome.OK) {
                    checkRead(op, members);
                }
            }
        }

        /** A read may only return values some client sent before the read completed. */
        private void checkRead(Op op, Set<String> members) {
            if (op.kind() == Op.Kind.SMEMBERS) {
                List<String> phantoms = new ArrayList<>();
                for (String e : members) {
                    History.Sent sent = history.sent(e);
                    if (sent == null || sent.invoke() > op.complete() || !sent.key().equals(op.key())) {
                        phantoms.add(e);
                    }
                }
                if (!phantoms.isEmpty()) {
                    history.violation(new History.Note(op.complete(), "set", "SMEMBERS " + op.key() + " on n" + (op.node() + 1)
                            + " by client " + op.client() + " returned elements never added: " + head(phantoms)));
                }
            } else if (op.kind() == Op.Kind.GET_REGISTER && op.result() != null) {
                History.Sent sent = history.sent(op.result());
                if (sent == null || sent.invoke() > op.complete() || !sent.key().equals(op.key())) {
                    history.violation(new History.Note(op.complete(), "register", "GET " + op.key() + " on n" + (op.node() + 1)
                            + " by client " + op.client() + " returned '" + op.result() + "', never written to it"));
                }
            }
        }

        private void drop(int node) {
            Jedis j = connections[node];
            connections[node] = null;
            if (j != null) {
                try {
                    j.close();
                } catch (RuntimeException ignored) {
                    // broken already
                }
            }
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        Throwable c = e.getCause();
        if (c != null && c != e) {
            s.append(" (").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(')');
        }
        return s.toString();
    }

    static String head(List<String> values) {
        return values.size() <= 10 ? values.toString() : values.subList(0, 10) + " and " + (values.size() - 10) + " more";
    }
}
