/**
 * The two ports the engine needs: {@link dev.converge.crdt.port.DocumentStore} and
 * {@link dev.converge.crdt.port.Transport}, interfaces only.
 *
 * <p>Design note. The engine sees storage and network only through these, so the simulator can
 * substitute in-memory implementations with faults. Expected conditions are values (a full queue
 * is {@code BACK_PRESSURED}); failures of the medium are {@link dev.converge.crdt.port.StorageException}s.
 */
package dev.converge.crdt.port;
