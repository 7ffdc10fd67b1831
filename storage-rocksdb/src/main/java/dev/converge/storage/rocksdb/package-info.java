/**
 * {@link dev.converge.crdt.port.DocumentStore} on RocksDB. The public surface is
 * {@link dev.converge.storage.rocksdb.RocksDocumentStore} (open, the port, metrics),
 * {@link dev.converge.storage.rocksdb.RocksStoreOptions} and
 * {@link dev.converge.storage.rocksdb.RocksStoreMetrics}; everything else is package-private.
 *
 * <h2>On-disk format, version 1</h2>
 * Column families (RocksDB's mandatory {@code default} stays empty). Numbers in keys are 8-byte
 * big-endian, so bytewise order is numeric order. Every value is {@code crc32c(key ‖ payload)}
 * (4 bytes) then the payload.
 * <ul>
 * <li>{@code docs}: document key → {@code foldedThrough (8 bytes) ‖ form (1 byte) ‖ snapshot},
 *     the snapshot a {@code CrdtCodec} encoding (varint type tag, varint encoding version,
 *     protobuf) of the document's state joined with all its deltas up to sequence number
 *     {@code foldedThrough}; form 0 stores it as is, form 1 (from 16 KiB) as its length (4
 *     bytes) and raw deflate.
 *     A new document's first state is written as its snapshot, folded through the commit that
 *     created it (a delta joined with bottom is the state: the same bytes, and nothing pending to
 *     fold or to track); so is every later state of a small document (at most
 *     {@code rewriteMaxBytes} encoded) while none of its deltas is on disk or queued. Other
 *     commits add deltas. Reads seek to the first delta after {@code foldedThrough}.
 * <li>{@code docdeltas}: {@code varint(len(key)) ‖ key ‖ seq} → the delta that commit {@code seq}
 *     applied, not yet folded into the snapshot. The length prefix keeps each document's deltas
 *     contiguous and apart from every other key's.
 * <li>{@code deltalog}: {@code seq} → {@code origin ‖ varint n ‖ n × (varint len ‖ key ‖ varint
 *     len ‖ delta)}, for the replication protocol.
 * <li>{@code keyhash} (an index, beyond the four of the design): {@code keyHash(key) ‖ key} →
 *     empty. Lists the documents of a hash range for anti-entropy without reading them.
 * <li>{@code meta}: {@code format}, {@code replica}, {@code head} (first retained delta-log
 *     seq), {@code seq} (last seq, written when the log is truncated and at close; otherwise the
 *     newest delta-log key is the last seq), {@code hlc} (physical, logical, replica),
 *     {@code ack/‖peer} → the peer's highest acknowledged seq.
 * </ul>
 *
 * <h2>Design</h2>
 * <ul>
 * <li>Writes: callers do the costly part (encoding) in parallel, then under one lock take a
 *     sequence number, publish the new state to the cache and queue the commit. One writer at a
 *     time turns whatever is queued into one write batch (group commit), so a commit is atomic
 *     and a group costs one WAL write (and in sync mode one fsync). The writer is the store's
 *     thread, or a caller waiting on its commit's future that writes the group itself: on two
 *     cores the thread switches of a hand-off cost more than the write (see {@code GroupWriter}).
 * <li>Backpressure: at most {@code maxPendingCommits} commits wait; a caller blocks for a slot
 *     before taking the commit lock, so nothing ever blocks while holding it.
 * <li>O(delta) updates: a commit writes its delta, never the document. The background folder
 *     rewrites a document's snapshot once its deltas exceed a fraction of it, so the rewrite is
 *     amortised to about {@code deltaBytes / foldFraction} per update whatever the document's
 *     size (less for large snapshots, which are stored deflated). A fold deletes the deltas it
 *     folded with point {@code SingleDelete}s (a range delete above 1,024 of them): a range
 *     tombstone per small fold made every later iterator re-fragment them all. Reads seek past
 *     the folded history, so deleted-but-not-compacted deltas cost them nothing. Once the store
 *     has written no delta for {@code idleFoldMillis}, it folds every document with pending
 *     deltas whatever their size, until writes resume: a small document's deltas stay below
 *     {@code foldMinBytes} otherwise, and a store of many small documents (update/delete churn;
 *     documents written once) would keep several times its folded size for good.
 * <li>Reads: decoded states in a Caffeine cache bounded by estimated bytes; a miss joins the
 *     snapshot with its pending deltas at one RocksDB snapshot.
 * <li>Digests: a fixed tree of 2<sup>14</sup> leaf sums, kept up to date lazily, saved at a
 *     clean close and rebuilt from the documents at an open after a crash (see {@code DigestTree}).
 * <li>Corruption: a value failing its checksum or decoding fails the operations on its key with
 *     a {@link dev.converge.crdt.port.StorageException} naming it; an open that reads every
 *     document (after a crash) logs it and goes on, and a fold that meets it logs it and skips it.
 * </ul>
 */
package dev.converge.storage.rocksdb;
