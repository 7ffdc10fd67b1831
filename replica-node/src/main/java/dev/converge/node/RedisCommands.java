package dev.converge.node;

import static dev.converge.node.RedisReplies.EMPTY_ARRAY;
import static dev.converge.node.RedisReplies.NIL;
import static dev.converge.node.RedisReplies.NOAUTH;
import static dev.converge.node.RedisReplies.NOT_INTEGER;
import static dev.converge.node.RedisReplies.OK;
import static dev.converge.node.RedisReplies.SYNTAX;
import static dev.converge.node.RedisReplies.WRONGTYPE;
import static dev.converge.node.RedisReplies.array;
import static dev.converge.node.RedisReplies.bulk;
import static dev.converge.node.RedisReplies.error;
import static dev.converge.node.RedisReplies.integer;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.replica.Member;
import dev.converge.replica.Replica;
import dev.converge.replica.Written;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * The Redis commands over a {@link Replica}: each maps to one CRDT operation (see the README's
 * table). A command returns its reply, or a future of it when it waits for the engine; the
 * connection ({@link RedisConnection}) keeps replies in request order and makes a read wait for
 * the same client's earlier writes.
 */
final class RedisCommands {

    /** How a command orders against the client's other commands. */
    enum Kind {
        /** Sees every earlier write of the connection: runs once they are applied. */
        READ,
        /** Submitted to the engine at once, in order; its reply comes when it is durable. */
        WRITE,
        /** Touches no data. */
        OTHER
    }

    @FunctionalInterface
    interface Impl {
        /** The reply: a {@link RedisMessage}, or a {@link CompletableFuture} of one. */
        Object run(ClientSession session, byte[][] args);
    }

    /** A command: its lower-case name, Redis arity (n: exactly n words; -n: at least n), kind and implementation. */
    record Spec(String name, int arity, Kind kind, boolean beforeAuth, Impl impl, Counter calls) {
    }

    /** WAIT with timeout 0 waits "forever": a day, so an abandoned waiter is eventually released. */
    static final Duration WAIT_FOREVER = Duration.ofDays(1);
    /** Keys one SCAN call looks at, whatever COUNT asks: bounds the time one call holds an event loop. */
    static final int MAX_SCAN_COUNT = 10_000;
    /** Longest {@code SCAN ... MATCH} pattern: matching one key costs up to pattern × key length steps. */
    static final int MAX_MATCH_PATTERN_BYTES = 1_024;
    /** What a bulk string in an array reply costs beyond its bytes (header, CRLFs, the message object), for the reply bound. */
    private static final int REPLY_ELEMENT_OVERHEAD_BYTES = 32;
    /**
     * Pattern × key bytes one SCAN call may spend on {@code MATCH} before it answers with the keys
     * matched so far and a cursor at the next (about 10 ms of matching at worst). The first key
     * of a call is always matched, so a scan moves on however long its keys are.
     */
    static final long MATCH_STEPS_PER_CALL = 16L << 20;
    /**
     * Matching work one {@code KEYS} may do (pattern × key bytes, as {@link #MATCH_STEPS_PER_CALL}
     * for a SCAN call): it runs on the thread DBSIZE and SCAN share, which a long pattern over a
     * large store would otherwise hold for minutes.
     */
    static final long MAX_KEYS_MATCH_STEPS = 64 * MATCH_STEPS_PER_CALL;
    static final String REDIS_VERSION = "7.0.0";

    private final Map<String, Spec> table = new HashMap<>();
    private final ConvergeNode node;
    private final Replica replica;
    private final DocumentStore store;
    private final byte[] password;
    private final Executor slow;
    private final NodeMetrics metrics;
    private final Spec unknown;

    RedisCommands(ConvergeNode node, Executor slow) {
        this.node = node;
        this.replica = node.replica();
        this.store = node.store();
        this.password = node.settings().redisPassword().orElse(null);
        this.slow = slow;
        this.metrics = node.metrics();
        this.unknown = new Spec("unknown", -1, Kind.OTHER, false, (s, a) -> error("ERR unknown command '" + RedisReplies.quote(a[0])
                + "', with args beginning with: " + argsPreview(a)), metrics.redisCommand("unknown"));
        // Connection
        add("ping", -1, Kind.OTHER, false, this::ping);
        add("echo", 2, Kind.OTHER, false, (s, a) -> bulk(a[1]));
        add("auth", -2, Kind.OTHER, true, this::auth);
        add("hello", -1, Kind.OTHER, true, this::hello);
        add("quit", 1, Kind.OTHER, true, (s, a) -> OK); // the connection closes after the reply
        add("select", 2, Kind.OTHER, false, (s, a) -> text(a[1]).equals("0") ? OK : error("ERR DB index is out of range"));
        add("client", -2, Kind.OTHER, false, this::client);
        add("config", -2, Kind.OTHER, false, this::config);
        add("command", -1, Kind.OTHER, false, this::command);
        // Keys
        add("info", -1, Kind.READ, false, this::info);
        // A scan of every document, off the I/O threads; skipped for a client gone while it waited its turn.
        add("dbsize", 1, Kind.READ, false, (s, a) -> CompletableFuture.supplyAsync(() -> s.closed() ? NIL : integer(existingKeys()), slow));
        add("keys", 2, Kind.READ, false, this::keys);
        add("exists", -2, Kind.READ, false, this::exists);
        add("type", 2, Kind.READ, false, this::type);
        add("del", -2, Kind.WRITE, false, this::del);
        add("unlink", -2, Kind.WRITE, false, this::del);
        add("scan", -2, Kind.READ, false, this::scan);
        add("wait", 3, Kind.READ, false, this::waitReplicas);
        // Counters and registers
        add("incr", 2, Kind.WRITE, false, (s, a) -> add(s, a[1], 1));
        add("decr", 2, Kind.WRITE, false, (s, a) -> add(s, a[1], -1));
        add("incrby", 3, Kind.WRITE, false, (s, a) -> {
            long n = parseLong(a[2]);
            return add(s, a[1], n);
        });
        add("decrby", 3, Kind.WRITE, false, (s, a) -> {
            long n = parseLong(a[2]);
            if (n == Long.MIN_VALUE) {
                return error("ERR decrement would overflow");
            }
            return add(s, a[1], -n);
        });
        add("get", 2, Kind.READ, false, (s, a) -> get(a[1]));
        add("mget", -2, Kind.READ, false, this::mget);
        add("set", -3, Kind.WRITE, false, this::set);
        add("mset", -3, Kind.WRITE, false, this::mset);
        // Sets
        add("sadd", -3, Kind.WRITE, false, (s, a) -> written(s, s.writer(replica).set(key(a[1])).add(rest(a, 2)), n -> integer(n)));
        add("srem", -3, Kind.WRITE, false, (s, a) -> written(s, s.writer(replica).set(key(a[1])).remove(rest(a, 2)), n -> integer(n)));
        add("smembers", 2, Kind.READ, false, (s, a) -> {
            List<RedisMessage> out = new ArrayList<>();
            for (Bytes e : replica.set(key(a[1])).elements()) {
                out.add(bulk(e));
            }
            return array(out);
        });
        add("sismember", 3, Kind.READ, false, (s, a) -> integer(replica.set(key(a[1])).contains(key(a[2])) ? 1 : 0));
        add("scard", 2, Kind.READ, false, (s, a) -> integer(replica.set(key(a[1])).size()));
        add("smismember", -3, Kind.READ, false, (s, a) -> {
            Set<Bytes> members = replica.set(key(a[1])).elements();
            List<RedisMessage> out = new ArrayList<>(a.length - 2);
            for (int i = 2; i < a.length; i++) {
                out.add(integer(members.contains(key(a[i])) ? 1 : 0));
            }
            return array(out);
        });
        // Hashes
        add("hset", -4, Kind.WRITE, false, (s, a) -> hset(s, a, false));
        add("hmset", -4, Kind.WRITE, false, (s, a) -> hset(s, a, true));
        add("hget", 3, Kind.READ, false, (s, a) -> fieldValue(replica.map(key(a[1])).read(), key(a[2])));
        add("hmget", -3, Kind.READ, false, (s, a) -> {
            ORMap m = replica.map(key(a[1])).read();
            long bytes = 0;
            for (int i = 2; i < a.length; i++) {
                bytes += m.register(key(a[i])).map(Bytes::length).orElse(0);
            }
            if (bytes > MAX_REPLY_BYTES) {
                return replyTooLarge(bytes);
            }
            List<RedisMessage> out = new ArrayList<>();
            for (int i = 2; i < a.length; i++) {
                out.add(fieldValue(m, key(a[i])));
            }
            return array(out);
        });
        add("hdel", -3, Kind.WRITE, false, this::hdel);
        add("hgetall", 2, Kind.READ, false, (s, a) -> {
            ORMap m = replica.map(key(a[1])).read();
            List<RedisMessage> out = new ArrayList<>();
            for (Bytes f : m.fieldNames()) {
                RedisMessage v = fieldValue(m, f);
                if (v != NIL) {
                    out.add(bulk(f));
                    out.add(v);
                }
            }
            return array(out);
        });
        add("hkeys", 2, Kind.READ, false, (s, a) -> {
            List<RedisMessage> out = new ArrayList<>();
            for (Bytes f : replica.map(key(a[1])).read().fieldNames()) {
                out.add(bulk(f));
            }
            return array(out);
        });
        add("hvals", 2, Kind.READ, false, (s, a) -> {
            ORMap m = replica.map(key(a[1])).read();
            List<RedisMessage> out = new ArrayList<>();
            for (Bytes f : m.fieldNames()) {
                RedisMessage v = fieldValue(m, f);
                if (v != NIL) {
                    out.add(v);
                }
            }
            return array(out);
        });
        add("hlen", 2, Kind.READ, false, (s, a) -> integer(replica.map(key(a[1])).read().fieldNames().size()));
        add("hexists", 3, Kind.READ, false, (s, a) -> integer(replica.map(key(a[1])).read().contains(key(a[2])) ? 1 : 0));
        add("hincrby", 4, Kind.WRITE, false, (s, a) -> {
            long n = parseLong(a[3]);
            return written(s, s.writer(replica).map(key(a[1])).increment(key(a[2]), n), RedisReplies::integer);
        });
        // Node administration (see admin()) and diagnostics
        add("converge.partition", 1, Kind.OTHER, false, (s, a) -> admin(s, "CONVERGE.PARTITION", node::isolate));
        add("converge.heal", 1, Kind.OTHER, false, (s, a) -> admin(s, "CONVERGE.HEAL", node::heal));
        add("converge.members", 1, Kind.READ, false, (s, a) -> {
            List<RedisMessage> rows = new ArrayList<>();
            for (Member m : replica.members()) {
                rows.add(array(List.of(bulk(Bytes.of(m.id().toString())),
                        bulk(Bytes.of(m.endpoint().map(Object::toString).orElse(""))),
                        bulk(Bytes.of(m.removed() ? "removed" : m.id().equals(replica.id()) ? "self" : "member")))));
            }
            return array(rows);
        });
        add("converge.remove", 2, Kind.OTHER, false, (s, a) -> {
            if (!s.admin()) {
                return noPermission("CONVERGE.REMOVE");
            }
            ReplicaId member;
            try {
                member = ReplicaId.parse(text(a[1]));
            } catch (IllegalArgumentException e) {
                return error("ERR not a replica id (16 hex digits, as CONVERGE.MEMBERS shows)");
            }
            return written(s, replica.removeMember(member), removedNow -> removedNow ? OK : RedisReplies.simple("ALREADY REMOVED"));
        });
        add("converge.digest", 1, Kind.READ, false,
                (s, a) -> CompletableFuture.supplyAsync(() -> s.closed() ? NIL : bulk(Long.toHexString(node.stateDigest())), slow));
    }

    private void add(String name, int arity, Kind kind, boolean beforeAuth, Impl impl) {
        table.put(name, new Spec(name, arity, kind, beforeAuth, impl, metrics.redisCommand(name)));
    }

    /** The command named by {@code name} (any case); an unknown name gets a spec that answers with the error. */
    Spec lookup(byte[] name) {
        if (name.length > 32) {
            return unknown;
        }
        char[] c = new char[name.length];
        for (int i = 0; i < name.length; i++) {
            byte b = name[i];
            c[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b & 0xff);
        }
        return table.getOrDefault(new String(c), unknown);
    }

    Collection<Spec> commands() {
        return table.values();
    }

    /** Runs {@code spec}: refuses it before AUTH or with the wrong arity; maps failures to Redis errors. */
    Object dispatch(ClientSession session, Spec spec, byte[][] args) {
        spec.calls().increment();
        if (!session.authenticated() && !spec.beforeAuth()) {
            return error(NOAUTH);
        }
        if (spec.arity() > 0 ? args.length != spec.arity() : args.length < -spec.arity()) {
            return RedisReplies.arity(spec.name());
        }
        if (spec.kind() == Kind.WRITE) {
            metrics.writes().increment();
        } else if (spec.kind() == Kind.READ) {
            metrics.reads().increment();
        }
        try {
            Object reply = spec.impl().run(session, args);
            if (reply instanceof CompletableFuture<?> f) {
                return f.handle((r, t) -> t == null ? (RedisMessage) r : RedisReplies.failure(spec.name(), t));
            }
            return reply;
        } catch (BadArgument e) {
            return error(e.getMessage());
        } catch (RuntimeException e) {
            return RedisReplies.failure(spec.name(), e);
        }
    }

    // ------------------------------------------------------------------ connection commands

    private Object ping(ClientSession s, byte[][] a) {
        if (a.length > 2) {
            return RedisReplies.arity("ping");
        }
        return a.length == 2 ? bulk(a[1]) : RedisReplies.PONG;
    }

    private Object auth(ClientSession s, byte[][] a) {
        if (a.length > 3) {
            return SYNTAX_ERROR;
        }
        if (password == null && a.length == 2) {
            return error("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
        }
        return authenticate(s, a.length == 3 ? a[1] : null, a[a.length - 1]) ? OK : wrongPass();
    }

    private static final RedisMessage SYNTAX_ERROR = error(SYNTAX);

    private RedisMessage wrongPass() {
        metrics.authFailures().increment();
        return error("WRONGPASS invalid username-password pair or user is disabled.");
    }

    /**
     * Checks the password in constant time (MessageDigest.isEqual); only the user "default"
     * exists. Without a password it takes any, as Redis's password-less default user does (for
     * clients configured with a user name).
     */
    private boolean authenticate(ClientSession s, byte[] user, byte[] pass) {
        boolean userOk = user == null || text(user).equals("default");
        boolean ok = (password == null || MessageDigest.isEqual(pass, password)) & userOk;
        if (ok) {
            s.authenticated(true);
        }
        return ok;
    }

    private Object hello(ClientSession s, byte[][] a) {
        int i = 1;
        if (a.length > 1) {
            long version;
            try {
                version = parseLong(a[1]);
            } catch (BadArgument e) {
                return error("ERR Protocol version is not an integer or out of range");
            }
            if (version != 2) {
                return error("NOPROTO this server does not support the requested protocol version (RESP2 only)");
            }
            i = 2;
        }
        String name = null;
        for (; i < a.length; i++) {
            String opt = text(a[i]).toUpperCase(Locale.ROOT);
            if (opt.equals("AUTH") && i + 2 < a.length) {
                if (!authenticate(s, a[i + 1], a[i + 2])) {
                    return wrongPass();
                }
                i += 2;
            } else if (opt.equals("SETNAME") && i + 1 < a.length) {
                name = text(a[++i]);
            } else {
                return error("ERR Syntax error in HELLO option '" + RedisReplies.quote(a[i]) + "'");
            }
        }
        if (!s.authenticated()) {
            return error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH "
                    + "<user> <pass> option can be used to authenticate the client and select the RESP protocol version at the "
                    + "same time");
        }
        if (name != null) {
            s.name(name);
        }
        return array(List.of(bulk("server"), bulk("redis"), bulk("version"), bulk(REDIS_VERSION), bulk("proto"), integer(2),
                bulk("id"), integer(s.id), bulk("mode"), bulk("standalone"), bulk("role"), bulk("master"), bulk("modules"),
                EMPTY_ARRAY, bulk("converge"), bulk(NodeInfo.VERSION)));
    }

    private Object client(ClientSession s, byte[][] a) {
        String sub = text(a[1]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "SETNAME":
                if (a.length != 3) {
                    return RedisReplies.arity("client|setname");
                }
                String name = text(a[2]);
                if (name.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                    return error("ERR Client names cannot contain spaces, newlines or special characters.");
                }
                s.name(name.isEmpty() ? null : name);
                return OK;
            case "GETNAME":
                return s.name() == null ? NIL : bulk(s.name());
            case "ID":
                return integer(s.id);
            case "SETINFO":
            case "NO-EVICT":
            case "NO-TOUCH":
                return OK;
            case "INFO":
                return bulk("id=" + s.id + " name=" + (s.name() == null ? "" : s.name()) + " db=0 resp=2\n");
            default:
                return error("ERR unknown subcommand '" + RedisReplies.quote(a[1]) + "'. Try CLIENT HELP.");
        }
    }

    private Object config(ClientSession s, byte[][] a) {
        String sub = text(a[1]).toUpperCase(Locale.ROOT);
        if (!sub.equals("GET")) {
            return error("ERR CONFIG " + RedisReplies.quote(a[1]) + " is not supported: a Converge node is configured when it "
                    + "starts (converge node --help)");
        }
        if (a.length < 3) {
            return RedisReplies.arity("config|get");
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("save", "");
        params.put("appendonly", "no");
        params.put("databases", "1");
        params.put("maxclients", Integer.toString(node.settings().maxClients()));
        List<RedisMessage> out = new ArrayList<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            for (int i = 2; i < a.length; i++) {
                if (Glob.matches(text(a[i]).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                        p.getKey().getBytes(StandardCharsets.UTF_8))) {
                    out.add(bulk(p.getKey()));
                    out.add(bulk(p.getValue()));
                    break;
                }
            }
        }
        return array(out);
    }

    private Object command(ClientSession s, byte[][] a) {
        if (a.length >= 2 && text(a[1]).equalsIgnoreCase("COUNT")) {
            return integer(table.size());
        }
        return EMPTY_ARRAY; // COMMAND and COMMAND DOCS: clients (redis-cli) do without the details
    }

    private Object admin(ClientSession s, String command, Runnable action) {
        if (!s.admin()) {
            return noPermission(command);
        }
        action.run();
        return OK;
    }

    private static RedisMessage noPermission(String command) {
        return error("NOPERM " + command + " needs a connection authenticated with the node's password (or, on a node without "
                + "a password, a client on the node's own host)");
    }

    // ------------------------------------------------------------------ keys

    private Object info(ClientSession s, byte[][] a) {
        List<String> sections = new ArrayList<>();
        for (int i = 1; i < a.length; i++) {
            sections.add(text(a[i]).toLowerCase(Locale.ROOT));
        }
        return replica.status().toCompletableFuture().thenApply(status -> bulk(NodeInfo.redisInfo(node, status, sections)));
    }

    private Object exists(ClientSession s, byte[][] a) {
        long n = 0;
        for (int i = 1; i < a.length; i++) {
            if (replica.exists(key(a[i]))) {
                n++;
            }
        }
        return integer(n);
    }

    private Object type(ClientSession s, byte[][] a) {
        Bytes k = key(a[1]);
        Optional<Crdt<?>> state = replica.read(k);
        if (state.isEmpty() || !replica.exists(k)) {
            return RedisReplies.simple("none");
        }
        return RedisReplies.simple(typeName(state.get()));
    }

    /** Whether {@code SCAN ... TYPE name} lists the document: a key written as several types, for each type that shows anything. */
    private static boolean hasTypeName(Crdt<?> state, String name) {
        if (state instanceof TypeConflict c) {
            return c.parts().stream().anyMatch(p -> Replica.showsAnything(p) && typeName(p).equals(name));
        }
        return typeName(state).equals(name);
    }

    /**
     * The Redis type of a document. A key written as several types at once (see README) shows the
     * first of them, in type-tag order, that holds anything.
     */
    static String typeName(Crdt<?> state) {
        if (state instanceof TypeConflict c) {
            return typeName(c.parts().stream().filter(Replica::showsAnything).findFirst().orElse(c.parts().get(0)));
        }
        if (state instanceof PNCounter || state instanceof GCounter || state instanceof LWWRegister) {
            return "string";
        }
        if (state instanceof ORSet) {
            return "set";
        }
        if (state instanceof ORMap) {
            return "hash";
        }
        if (state instanceof EWFlag) {
            return "flag";
        }
        if (state instanceof MVRegister) {
            return "mvregister";
        }
        return state.type().name().toLowerCase(Locale.ROOT);
    }

    /** Deletes the keys as one unit ({@link Replica#delete(java.util.Collection)}): any refusal deletes none. */
    private Object del(ClientSession s, byte[][] a) {
        List<Bytes> keys = new ArrayList<>(a.length - 1);
        for (int i = 1; i < a.length; i++) {
            keys.add(key(a[i]));
        }
        return s.writer(replica).delete(keys).toCompletableFuture().handle((written, failure) -> {
            if (failure != null) {
                return RedisReplies.failure("del", failure);
            }
            s.noteWrite(written.seq());
            return integer(written.value());
        });
    }

    /** Existing keys, counted by a scan over every document: deleted documents still count in the store until collected. */
    long existingKeys() {
        long[] n = {0};
        eachExistingKey(k -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    /**
     * Hands {@code visitor} every existing key (written and not deleted) in key order, a page of
     * the store at a time, until it answers false.
     */
    private void eachExistingKey(Predicate<Bytes> visitor) {
        Bytes from = null;
        while (true) {
            List<Bytes> keys = replica.keys(from, 1_000);
            for (Bytes k : keys) {
                if ((from == null || !k.equals(from)) && replica.exists(k) && !visitor.test(k)) {
                    return;
                }
            }
            if (keys.size() < 1_000) {
                return;
            }
            from = keys.get(keys.size() - 1);
        }
    }

    /**
     * {@code KEYS pattern}: every existing key matching, found by a scan of the whole store off the
     * I/O threads (O(documents), as in Redis; {@code SCAN} pages it). A reply that would pass the
     * reply bound is refused rather than built.
     */
    private Object keys(ClientSession s, byte[][] a) {
        byte[] pattern = a[1];
        if (pattern.length > MAX_MATCH_PATTERN_BYTES) {
            return error("ERR KEYS pattern longer than " + MAX_MATCH_PATTERN_BYTES + " bytes");
        }
        boolean all = pattern.length == 1 && pattern[0] == '*';
        return CompletableFuture.supplyAsync(() -> {
            List<Bytes> found = new ArrayList<>();
            long[] bytes = {0};
            long[] steps = {0};
            eachExistingKey(k -> {
                if (!all) {
                    steps[0] += (long) (pattern.length + 1) * (k.length() + 1);
                    if (steps[0] > MAX_KEYS_MATCH_STEPS) {
                        return false;
                    }
                }
                if (all || Glob.matches(pattern, k.toByteArray())) {
                    found.add(k);
                    bytes[0] += k.length() + REPLY_ELEMENT_OVERHEAD_BYTES;
                }
                return bytes[0] <= MAX_REPLY_BYTES && !s.closed();
            });
            if (s.closed()) {
                return NIL;
            }
            if (bytes[0] > MAX_REPLY_BYTES) {
                return error("ERR KEYS would reply more than " + MAX_REPLY_BYTES + " bytes; use SCAN with MATCH");
            }
            if (steps[0] > MAX_KEYS_MATCH_STEPS) {
                return error("ERR KEYS would match its pattern against more than " + MAX_KEYS_MATCH_STEPS
                        + " pattern x key bytes; use SCAN with MATCH, or a shorter pattern");
            }
            List<RedisMessage> out = new ArrayList<>(found.size());
            found.forEach(k -> out.add(bulk(k)));
            return array(out);
        }, slow);
    }

    /**
     * SCAN over the store's key-hash order. The cursor is the unsigned 64-bit hash where the next
     * call starts (0: the start, and the end), so a cursor is a plain number as redis-cli expects;
     * keys whose hash equals a page boundary may be returned twice, which SCAN allows. Documents
     * that are deleted (but not yet collected) are skipped.
     */
    private Object scan(ClientSession s, byte[][] a) {
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(text(a[1]));
        } catch (NumberFormatException e) {
            return error("ERR invalid cursor");
        }
        int count = 10;
        byte[] match = null;
        String type = null;
        for (int i = 2; i < a.length; i++) {
            String opt = text(a[i]).toUpperCase(Locale.ROOT);
            if (i + 1 >= a.length) {
                return SYNTAX_ERROR;
            }
            switch (opt) {
                case "COUNT" -> {
                    long c = parseLong(a[++i]);
                    if (c < 1) {
                        return SYNTAX_ERROR;
                    }
                    count = (int) Math.min(c, MAX_SCAN_COUNT);
                }
                case "MATCH" -> {
                    match = a[++i];
                    if (match.length > MAX_MATCH_PATTERN_BYTES) {
                        return error("ERR MATCH pattern longer than " + MAX_MATCH_PATTERN_BYTES + " bytes");
                    }
                }
                case "TYPE" -> type = text(a[++i]).toLowerCase(Locale.ROOT);
                default -> {
                    return SYNTAX_ERROR;
                }
            }
        }
        // The page is read from the store (which may wait for a write group) off the I/O threads,
        // as DBSIZE is: a connection's event loop serves other clients meanwhile.
        long from = cursor;
        int pageSize = count;
        byte[] pattern = match;
        String wantedType = type;
        return CompletableFuture.supplyAsync(() -> s.closed() ? NIL : scanPage(from, pageSize, pattern, wantedType), slow);
    }

    /** One SCAN page: up to {@code count} keys from {@code cursor}, filtered by {@code match} and {@code type}, and the next cursor. */
    private RedisMessage scanPage(long cursor, int count, byte[] match, String type) {
        List<Bytes> page = new ArrayList<>(count + 1);
        for (KeyHashRange range : rangesFrom(cursor)) {
            Bytes after = null;
            while (page.size() <= count) {
                int want = count + 1 - page.size();
                List<Bytes> keys = store.keysInHashRange(range, after, want);
                page.addAll(keys);
                if (keys.size() < want) {
                    break;
                }
                after = keys.get(keys.size() - 1);
            }
            if (page.size() > count) {
                break;
            }
        }
        long next = 0;
        List<Bytes> visit = page;
        if (page.size() > count) {
            visit = page.subList(0, count);
            next = resumeAt(page, count);
        }
        List<RedisMessage> keys = new ArrayList<>();
        long matchSteps = 0;
        for (int i = 0; i < visit.size(); i++) {
            Bytes k = visit.get(i);
            if (Replica.reservedKey(k)) {
                continue;
            }
            if (match != null) {
                long steps = (long) (match.length + 1) * (k.length() + 1);
                if (matchSteps > 0 && matchSteps + steps > MATCH_STEPS_PER_CALL) {
                    next = resumeAt(page, i);
                    break;
                }
                matchSteps += steps;
                if (!Glob.matches(match, k.toByteArray())) {
                    continue;
                }
            }
            Optional<Crdt<?>> state = replica.read(k);
            if (state.isEmpty() || !replica.exists(k)) {
                continue;
            }
            if (type != null && !hasTypeName(state.get(), type)) {
                continue;
            }
            keys.add(bulk(k));
        }
        return array(List.of(bulk(Long.toUnsignedString(next)), array(keys)));
    }

    /** The cursor at which the next SCAN call starts with {@code page.get(i)}. */
    private static long resumeAt(List<Bytes> page, int i) {
        long next = Hashing.keyHash(page.get(i));
        // Every key before it sharing its hash (never seen in practice with 64-bit hashes) would
        // make the next call start here again; move past the hash instead.
        return next == Hashing.keyHash(page.get(0)) ? next + 1 : next;
    }

    /** Prefix ranges covering the hashes from {@code start} (unsigned) to the end of the space, ascending. */
    static List<KeyHashRange> rangesFrom(long start) {
        if (start == 0) {
            return List.of(KeyHashRange.ALL);
        }
        List<KeyHashRange> ranges = new ArrayList<>();
        long x = start;
        do {
            int free = Long.numberOfTrailingZeros(x);
            ranges.add(new KeyHashRange(x, 64 - free));
            x += free == 63 ? Long.MIN_VALUE : 1L << free;
        } while (x != 0);
        return ranges;
    }

    private Object waitReplicas(ClientSession s, byte[][] a) {
        long replicas = parseLong(a[1]);
        long timeout = parseLong(a[2]);
        if (replicas < 0 || replicas > Integer.MAX_VALUE) {
            return error(NOT_INTEGER);
        }
        if (timeout < 0) {
            return error("ERR timeout is negative");
        }
        Duration wait = timeout == 0 ? WAIT_FOREVER : Duration.ofMillis(timeout);
        CompletableFuture<Integer> waiting = s.writer(replica).awaitReplicated(s.lastWriteSeq(), (int) replicas, wait).toCompletableFuture();
        s.waiting(waiting);
        return waiting.thenApply(n -> integer(n));
    }

    // ------------------------------------------------------------------ counters and registers

    private Object add(ClientSession s, byte[] key, long amount) {
        return written(s, s.writer(replica).counter(key(key)).add(amount), RedisReplies::integer);
    }

    private Object get(byte[] k) {
        Optional<Crdt<?>> state = replica.read(key(k)).map(RedisCommands::stringPart);
        if (state.isEmpty() || !(state.get() instanceof PNCounter) && !(state.get() instanceof LWWRegister) && !replica.exists(key(k))) {
            return NIL; // absent, or a deleted document of another type: nothing to show, as in Redis
        }
        return stringValue(state.get());
    }

    /**
     * What GET reads of a key written as several types at once: its register or else its counter
     * when one shows anything; else the document itself, WRONGTYPE when another type shows and
     * nil when nothing does.
     */
    private static Crdt<?> stringPart(Crdt<?> state) {
        if (!(state instanceof TypeConflict c)) {
            return state;
        }
        for (CrdtType type : List.of(CrdtType.LWW_REGISTER, CrdtType.PN_COUNTER)) {
            Optional<Crdt<?>> part = c.part(type);
            if (part.isPresent() && Replica.showsAnything(part.get())) {
                return part.get();
            }
        }
        return c; // WRONGTYPE when another type shows, nil when nothing does
    }

    /** The value GET shows: a counter's value, a register's value, nil when deleted; else WRONGTYPE. */
    private static RedisMessage stringValue(Crdt<?> state) {
        if (state instanceof PNCounter c) {
            if (!c.hasUpdates()) {
                return NIL;
            }
            try {
                return bulk(Long.toString(c.value()));
            } catch (ArithmeticException e) {
                return error("ERR the counter's merged value is outside the 64-bit range");
            }
        }
        if (state instanceof LWWRegister r) {
            return r.value().map(RedisReplies::bulk).orElse(NIL);
        }
        return error(WRONGTYPE);
    }

    private Object mget(ClientSession s, byte[][] a) {
        List<Optional<Crdt<?>>> states = new ArrayList<>(a.length - 1);
        long bytes = 0;
        for (int i = 1; i < a.length; i++) {
            Optional<Crdt<?>> state = replica.read(key(a[i])).map(RedisCommands::stringPart);
            states.add(state);
            if (state.isPresent() && state.get() instanceof LWWRegister r) {
                bytes += r.value().map(Bytes::length).orElse(0);
            }
        }
        if (bytes > MAX_REPLY_BYTES) {
            return replyTooLarge(bytes); // measured before a value is copied into the reply
        }
        List<RedisMessage> out = new ArrayList<>();
        for (Optional<Crdt<?>> state : states) {
            RedisMessage v = state.isEmpty() ? NIL : stringValue(state.get());
            out.add(v instanceof io.netty.handler.codec.redis.ErrorRedisMessage ? NIL : v);
        }
        return array(out);
    }

    /**
     * Replies larger than this are refused with an error: on its way out a reply is copied to
     * direct memory whole, and commands that name a value as often as they like ({@code MGET k k
     * k ...}) could otherwise ask a node for many times its memory (Redis closes such a client at
     * its output buffer limit).
     */
    static final long MAX_REPLY_BYTES = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);

    private static RedisMessage replyTooLarge(long bytes) {
        return error("ERR reply of " + bytes + " bytes exceeds the limit of " + MAX_REPLY_BYTES + " bytes; ask for fewer values at a time");
    }

    /**
     * Sets each key's register as one unit ({@link Replica#setRegisters}): a key of another type, a
     * reserved key or a value too large refuses the whole command with nothing set; a key named
     * twice takes its last value, as in Redis.
     */
    private Object mset(ClientSession s, byte[][] a) {
        if (a.length % 2 == 0) {
            return RedisReplies.arity("mset");
        }
        Map<Bytes, Bytes> values = new LinkedHashMap<>();
        for (int i = 1; i < a.length; i += 2) {
            values.put(key(a[i]), Bytes.wrap(a[i + 1]));
        }
        return s.writer(replica).setRegisters(values).toCompletableFuture().handle((written, failure) -> {
            if (failure != null) {
                return RedisReplies.failure("mset", failure);
            }
            s.noteWrite(written.seq());
            return OK;
        });
    }

    private Object set(ClientSession s, byte[][] a) {
        if (a.length > 3) {
            return error("ERR SET options (NX, XX, GET, EX, PX, EXAT, PXAT, KEEPTTL) are not supported: a register written on "
                    + "every replica without coordination has no conditional or expiring write");
        }
        return written(s, s.writer(replica).register(key(a[1])).set(Bytes.wrap(a[2])), v -> OK);
    }

    // ------------------------------------------------------------------ hashes

    private Object hset(ClientSession s, byte[][] a, boolean okReply) {
        if (a.length % 2 != 0) {
            return RedisReplies.arity(okReply ? "hmset" : "hset");
        }
        // One write for all the fields: a field of another kind fails the command whole, as in Redis.
        Map<Bytes, Bytes> fields = new LinkedHashMap<>();
        for (int i = 2; i < a.length; i += 2) {
            fields.put(key(a[i]), Bytes.wrap(a[i + 1])); // a field named twice takes its last value
        }
        return written(s, s.writer(replica).map(key(a[1])).setRegisters(fields), added -> okReply ? OK : integer(added));
    }

    private Object hdel(ClientSession s, byte[][] a) {
        List<Bytes> fields = new ArrayList<>();
        for (int i = 2; i < a.length; i++) {
            fields.add(key(a[i]));
        }
        return written(s, s.writer(replica).map(key(a[1])).removeFields(fields), removed -> integer(removed));
    }

    /** A field as HGET shows it: a register field's value, a counter field's value, else nil. */
    private static RedisMessage fieldValue(ORMap map, Bytes field) {
        Optional<Bytes> register = map.register(field);
        if (register.isPresent()) {
            return bulk(register.get());
        }
        OptionalLong counter = map.counter(field);
        if (counter.isPresent()) {
            return bulk(Long.toString(counter.getAsLong()));
        }
        return NIL;
    }

    // ------------------------------------------------------------------ helpers

    private static <V> CompletableFuture<RedisMessage> written(ClientSession s, CompletionStage<Written<V>> write,
                                                                java.util.function.Function<V, RedisMessage> reply) {
        return write.toCompletableFuture().thenApply(w -> {
            s.noteWrite(w.seq());
            return reply.apply(w.value());
        });
    }

    private static Bytes key(byte[] b) {
        return Bytes.wrap(b);
    }

    private static List<Bytes> rest(byte[][] a, int from) {
        List<Bytes> out = new ArrayList<>(a.length - from);
        for (int i = from; i < a.length; i++) {
            out.add(Bytes.wrap(a[i]));
        }
        return out;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** An argument a command cannot use: the message is the whole error reply. */
    static final class BadArgument extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadArgument(String message) {
            super(message, null, false, false);
        }
    }

    /** A 64-bit integer as Redis parses one: optional '-', digits, no '+', spaces or leading zeros. */
    static long parseLong(byte[] b) {
        int n = b.length;
        if (n == 0 || n > 20) {
            throw new BadArgument(NOT_INTEGER);
        }
        boolean negative = b[0] == '-';
        int i = negative ? 1 : 0;
        if (i == n || (b[i] == '0' && n > i + 1) || (negative && b[i] == '0')) {
            throw new BadArgument(NOT_INTEGER);
        }
        long v = 0;
        for (; i < n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new BadArgument(NOT_INTEGER);
            }
            // Accumulate negatively so Long.MIN_VALUE parses.
            if (v < (Long.MIN_VALUE + d) / 10) {
                throw new BadArgument(NOT_INTEGER);
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                throw new BadArgument(NOT_INTEGER);
            }
            v = -v;
        }
        return v;
    }

    private static String argsPreview(byte[][] a) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i < a.length && i <= 3; i++) {
            s.append('\'').append(RedisReplies.quote(a[i])).append("' ");
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return "RedisCommands" + Arrays.toString(table.keySet().toArray());
    }
}
