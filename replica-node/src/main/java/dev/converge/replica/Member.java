package dev.converge.replica;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import java.util.Optional;

/**
 * A cluster member as this replica knows it.
 *
 * @param endpoint where it accepts peers, as it advertised (empty: it does not listen, or its
 *     advertisement has not arrived)
 * @param removed whether an administrator removed it (final: it no longer replicates with anyone)
 */
public record Member(ReplicaId id, Optional<Endpoint> endpoint, boolean removed) {
}
