/**
 * The protocol measured against the literature: the experiment of Enes et al. (ICDE 2019) with
 * the classic algorithms as compact models on crdt-core's real types and the real engine on the
 * same topologies, a partition-heal repair measurement, and the spread of one write at scale.
 *
 * <p>Design note. The classic algorithms are models, not engine variants (the engine is not
 * edited): a node's state is a map of documents, messages are maps of documents, and transmission
 * is counted in the same units for every algorithm (elements as Enes et al. count them, and
 * canonical payload bytes). The models assume what the paper's evaluation assumes — reliable
 * channels, so no acknowledgements and no sequence numbers; the engine pays for those, counted
 * as metadata.
 */
package dev.converge.sim.experiment;
