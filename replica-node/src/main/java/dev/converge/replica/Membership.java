package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster membership as replicated state, carried by the same protocol as user documents: the
 * document {@link #MEMBERS} maps each replica id to the endpoint it listens on (an LWW register
 * its owner writes at start), and {@link #REMOVED} is the set of replica ids an administrator
 * removed (only ever added to, so a removal is final). A node that starts with one seed learns
 * every member from the seed's copy and dials them all; a removed replica is dropped by every
 * node that learns of its removal, and a replica that learns of its own stops replicating.
 *
 * <p>Keys under {@link #SYSTEM_PREFIX} are reserved: users cannot write them, and key listings
 * and counts leave them out.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    static final Bytes SYSTEM_PREFIX = Bytes.of("\0converge/");
    static final Bytes MEMBERS = Bytes.of("\0converge/members");
    static final Bytes REMOVED = Bytes.of("\0converge/removed");
    /** The member entry of a replica with no endpoint others could dial. */
    private static final Bytes NO_ENDPOINT = Bytes.of("");

    private final Engine engine;
    private final boolean discover;
    /** Endpoints dialled for members, by member; touched on the callback executor only. */
    private final Map<ReplicaId, Endpoint> dialled = new HashMap<>();
    private Subscription subscription;

    Membership(Engine engine, boolean discover) {
        this.engine = engine;
        this.discover = discover;
    }

    /**
     * The store's documents, the cluster's own left out. Not a snapshot: while the cluster's own
     * document is first committed, a reader may see it before the count includes it (never below 0).
     */
    static long userDocuments(DocumentStore store) {
        return Math.max(0, store.documentCount() - (store.read(MEMBERS).isPresent() ? 1 : 0) - (store.read(REMOVED).isPresent() ? 1 : 0));
    }

    /**
     * Whether {@code value} may be merged into reserved key {@code key}: the cluster's own
     * documents keep their types (a member list, a removal set), and no other reserved key exists.
     */
    static boolean fitsReserved(Bytes key, Crdt<?> value) {
        return key.equals(MEMBERS) ? value.type() == CrdtType.OR_MAP : key.equals(REMOVED) && value.type() == CrdtType.OR_SET;
    }

    static boolean reserved(Bytes key) {
        if (key.length() < SYSTEM_PREFIX.length()) {
            return false;
        }
        for (int i = 0; i < SYSTEM_PREFIX.length(); i++) {
            if (key.byteAt(i) != SYSTEM_PREFIX.byteAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Registers this replica as a member, with its endpoint when it listens on a dialable address
     * and an empty one otherwise (a replica that only dials out, such as an embedded client, is a
     * member all the same and every other member lists it), and follows changes.
     */
    void start() {
        subscription = engine.subscribe(SYSTEM_PREFIX, true, event -> refresh());
        Bytes value = engine.transport.boundEndpoint().filter(Membership::dialable).map(e -> Bytes.of(e.toString()))
                .orElse(NO_ENDPOINT);
        Bytes field = Bytes.of(engine.self.toString());
        Crdt<?> members = engine.store.read(MEMBERS).orElse(null);
        Optional<Bytes> recorded = members instanceof ORMap map ? map.register(field) : Optional.empty();
        if (recorded.isEmpty() || !recorded.get().equals(value)) {
            engine.<ORMap, Boolean>systemWrite(MEMBERS, CrdtType.OR_MAP,
                    (map, ctx) -> map.setRegister(ctx.replica(), ctx.timestampAfter(map.registerTimestamp(field)), field, value),
                    (before, after) -> true);
        }
        refresh();
    }

    void stop() {
        if (subscription != null) {
            subscription.close();
        }
    }

    /** Marks {@code member} removed, everywhere the removal replicates; final. */
    CompletionStage<Written<Boolean>> remove(ReplicaId member) {
        Bytes element = Bytes.of(member.toString());
        return engine.<ORSet, Boolean>systemWrite(REMOVED, CrdtType.OR_SET, (set, ctx) -> set.add(ctx.replica(), element),
                (before, after) -> !before.contains(element));
    }

    /** Every member this replica knows of, itself included, in id order. */
    List<Member> members() {
        Crdt<?> registered = engine.store.read(MEMBERS).orElse(null);
        Map<ReplicaId, Endpoint> endpoints = endpointsOf(registered);
        Set<ReplicaId> removed = removedOf(engine.store.read(REMOVED).orElse(null));
        TreeMap<String, Member> out = new TreeMap<>();
        Set<ReplicaId> ids = new HashSet<>(registeredOf(registered).keySet());
        ids.addAll(removed);
        ids.add(engine.self);
        for (ReplicaId id : ids) {
            out.put(id.toString(), new Member(id, Optional.ofNullable(endpoints.get(id)), removed.contains(id)));
        }
        return new ArrayList<>(out.values());
    }

    /** Dials members it has not dialled, forgets removed ones; runs on the callback executor. */
    private synchronized void refresh() {
        Map<ReplicaId, Endpoint> endpoints = endpointsOf(engine.store.read(MEMBERS).orElse(null));
        Set<ReplicaId> removed = removedOf(engine.store.read(REMOVED).orElse(null));
        engine.exclude(removed);
        if (removed.contains(engine.self)) {
            for (Endpoint e : dialled.values()) {
                engine.transport.disconnect(e);
            }
            dialled.clear();
            return;
        }
        Map<ReplicaId, Endpoint> wanted = new HashMap<>();
        if (discover) {
            endpoints.forEach((id, endpoint) -> {
                if (!id.equals(engine.self) && !removed.contains(id)) {
                    wanted.put(id, endpoint);
                }
            });
        }
        for (Endpoint e : letGo(dialled, wanted)) {
            LOG.info("no member left at {}: no longer dialling it", e);
            engine.transport.disconnect(e);
        }
        for (Map.Entry<ReplicaId, Endpoint> e : wanted.entrySet()) {
            ReplicaId id = e.getKey();
            Endpoint endpoint = e.getValue();
            if (endpoint.equals(dialled.get(id))) {
                continue;
            }
            try {
                engine.transport.connect(endpoint);
            } catch (IllegalStateException offline) {
                LOG.debug("not dialling member {} at {}: {}", id, endpoint, offline.getMessage());
                return; // a replica opened without networking knows its members but dials none
            }
            LOG.info("member {} at {}: dialling", id, endpoint);
            dialled.put(id, endpoint);
        }
    }

    /**
     * Drops from {@code dialled} each member no longer wanted at the endpoint it was dialled at
     * (removed, or moved) and returns the endpoints no wanted member listens on, to stop dialling.
     * An endpoint a removed or moved member left that another member now listens on is kept: the
     * transport dials an endpoint once, whoever answers there, so disconnecting it after the
     * newcomer's connect would leave the newcomer undialled.
     */
    static Set<Endpoint> letGo(Map<ReplicaId, Endpoint> dialled, Map<ReplicaId, Endpoint> wanted) {
        Set<Endpoint> stillWanted = new HashSet<>(wanted.values());
        Set<Endpoint> out = new HashSet<>();
        for (Iterator<Map.Entry<ReplicaId, Endpoint>> it = dialled.entrySet().iterator(); it.hasNext();) {
            Map.Entry<ReplicaId, Endpoint> d = it.next();
            if (d.getValue().equals(wanted.get(d.getKey()))) {
                continue;
            }
            it.remove();
            if (!stillWanted.contains(d.getValue())) {
                out.add(d.getValue());
            }
        }
        return out;
    }

    private static boolean dialable(Endpoint e) {
        return e.port() > 0 && !e.host().equals("0.0.0.0") && !e.host().equals("::") && !e.host().isEmpty();
    }

    /** Every registered member, with its endpoint when it has one. */
    private static Map<ReplicaId, Optional<Endpoint>> registeredOf(Crdt<?> state) {
        Map<ReplicaId, Optional<Endpoint>> out = new HashMap<>();
        if (!(state instanceof ORMap map)) {
            return out;
        }
        for (Bytes field : map.fieldNames()) {
            Optional<Bytes> value = map.register(field);
            if (value.isPresent()) {
                try {
                    ReplicaId id = ReplicaId.parse(field.asString());
                    out.put(id, value.get().equals(NO_ENDPOINT) ? Optional.empty() : Optional.of(Endpoint.parse(value.get().asString())));
                } catch (IllegalArgumentException malformed) {
                    LOG.warn("ignoring a malformed member entry {} = {}", field, value.get());
                }
            }
        }
        return out;
    }

    private static Map<ReplicaId, Endpoint> endpointsOf(Crdt<?> state) {
        Map<ReplicaId, Endpoint> out = new HashMap<>();
        registeredOf(state).forEach((id, endpoint) -> endpoint.ifPresent(e -> out.put(id, e)));
        return out;
    }

    static Set<ReplicaId> removedOf(Crdt<?> state) {
        Set<ReplicaId> out = new HashSet<>();
        if (state instanceof ORSet set) {
            for (Bytes element : set.elements()) {
                try {
                    out.add(ReplicaId.parse(element.asString()));
                } catch (IllegalArgumentException malformed) {
                    LOG.warn("ignoring a malformed removed-member entry {}", element);
                }
            }
        }
        return out;
    }
}
