package dev.converge.chaos;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything that happened in a run: every client operation, every fault, every round's final
 * reads and convergence wait, written as JSON lines ({@code history.jsonl}) when a run fails.
 *
 * <p>Besides the plain record it keeps the indexes the online checks need while clients run:
 * every value a client ever tried to write (with its invocation time), and per node the writes
 * it acknowledged (what the durability check expects to find on its disk).
 */
final class History {

    /** A fault as it was carried out. {@code effect} says what it did; {@code effective} counts it (frames, connections, signals). */
    record Fault(int round, FaultKind kind, String target, long start, long end, String what, String effect, long effective) {
    }

    /** A check made while the run went on (a read that saw a value never written, a lost write after a restart). */
    record Note(long at, String checker, String text) {
    }

    private final List<List<Op>> clients = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private final List<Note> violations = new ArrayList<>();
    private final List<String> reads = new ArrayList<>();
    /** A write as sent: to which key, when. */
    record Sent(String key, long invoke) {
    }

    /** Every value ever sent in a write (set element or register value): its key and invocation time. */
    private final ConcurrentHashMap<String, Sent> written = new ConcurrentHashMap<>();
    /** Completed register writes by value, so the durability check sees their outcome while clients run. */
    private final ConcurrentHashMap<String, Op> registerWrites = new ConcurrentHashMap<>();
    private final List<List<Op>> acked = new ArrayList<>();

    History(int clients, int nodes) {
        for (int i = 0; i < clients; i++) {
            this.clients.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes; i++) {
            this.acked.add(new ArrayList<>());
        }
    }

    // ---- written by the clients (each appends to its own list; read only while clients are paused)

    /** Before a write is sent: its value exists from now on. */
    void sending(String key, String value, long invoke) {
        written.put(value, new Sent(key, invoke));
    }

    /** A write that never reached a node: its value must never be seen. */
    void neverSent(String value) {
        written.remove(value);
    }

    /** The write of {@code value} as sent, or null when no write of it was ever sent. */
    Sent sent(String value) {
        return written.get(value);
    }

    void record(Op op) {
        clients.get(op.client() - 1).add(op);
        if (op.kind().writesRegister()) {
            registerWrites.put(op.value(), op);
        }
        if (op.kind().write && op.outcome() == Op.Outcome.OK) {
            List<Op> list = acked.get(op.node());
            synchronized (list) {
                list.add(op);
            }
        }
    }

    /** The completed write of a register value, or null (in flight, or never written). */
    Op registerWrite(String value) {
        return registerWrites.get(value);
    }

    /** The writes {@code node} acknowledged so far (a copy). */
    List<Op> acknowledgedBy(int node) {
        List<Op> list = acked.get(node);
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    // ---- written by the nemesis and the run

    synchronized void fault(Fault f) {
        faults.add(f);
    }

    synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }

    synchronized void violation(Note note) {
        violations.add(note);
    }

    synchronized List<Note> violations() {
        return List.copyOf(violations);
    }

    /** A final read, or what the convergence wait saw (digests, replication status), already as a JSON object. */
    synchronized void read(String json) {
        reads.add(json);
    }

    /** Every operation so far, by invocation time. Call only while the clients are paused or stopped. */
    List<Op> ops() {
        List<Op> all = new ArrayList<>();
        for (List<Op> c : clients) {
            all.addAll(c);
        }
        all.sort(Comparator.comparingLong(Op::invoke));
        return all;
    }

    /** Writes the history as JSON lines: operations and faults by time, then the final reads. */
    void write(Path file) throws IOException {
        List<Object[]> lines = new ArrayList<>();
        for (Op op : ops()) {
            lines.add(new Object[] {op.invoke(), json(op)});
        }
        for (Fault f : faults()) {
            lines.add(new Object[] {f.start(), json(f)});
        }
        for (Note n : violations()) {
            lines.add(new Object[] {n.at(), "{\"type\":\"violation\",\"at\":" + RunClock.seconds(n.at()) + ",\"checker\":" + Json.str(n.checker())
                    + ",\"text\":" + Json.str(n.text()) + "}"});
        }
        lines.sort(Comparator.comparingLong(o -> (Long) o[0]));
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Object[] l : lines) {
                w.write((String) l[1]);
                w.write('\n');
            }
            synchronized (this) {
                for (String r : reads) {
                    w.write(r);
                    w.write('\n');
                }
            }
        }
    }

    static String json(Op op) {
        StringBuilder s = new StringBuilder(160);
        s.append("{\"type\":\"op\",\"round\":").append(op.round())
                .append(",\"client\":").append(op.client())
                .append(",\"node\":\"n").append(op.node() + 1).append('"')
                .append(",\"f\":\"").append(op.kind().label).append('"')
                .append(",\"key\":").append(Json.str(op.key()));
        if (op.value() != null) {
            s.append(",\"value\":").append(Json.str(op.value()));
        }
        if (op.kind() == Op.Kind.INCRBY) {
            s.append(",\"amount\":").append(op.amount());
        }
        s.append(",\"invoke\":").append(RunClock.seconds(op.invoke()))
                .append(",\"complete\":").append(RunClock.seconds(op.complete()))
                .append(",\"outcome\":\"").append(op.outcome().label).append('"');
        if (op.result() != null) {
            s.append(",\"result\":").append(Json.str(op.result()));
        }
        if (op.error() != null) {
            s.append(",\"error\":").append(Json.str(op.error()));
        }
        s.append(",\"generation\":").append(op.generation());
        return s.append('}').toString();
    }

    static String json(Fault f) {
        return "{\"type\":\"fault\",\"round\":" + f.round() + ",\"kind\":\"" + f.kind().label + "\",\"target\":" + Json.str(f.target())
                + ",\"start\":" + RunClock.seconds(f.start()) + ",\"end\":" + RunClock.seconds(f.end()) + ",\"what\":" + Json.str(f.what())
                + ",\"effect\":" + Json.str(f.effect()) + "}";
    }
}
