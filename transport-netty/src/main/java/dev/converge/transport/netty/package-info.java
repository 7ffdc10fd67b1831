/**
 * crdt-core's {@link dev.converge.crdt.port.Transport} on Netty TCP. Public: {@link
 * dev.converge.transport.netty.NettyTransport}, its {@link
 * dev.converge.transport.netty.NettyTransportConfig} and {@link
 * dev.converge.transport.netty.TlsConfig}; everything else is package-private.
 *
 * <h2>Design note</h2>
 *
 * <p><b>Pipeline</b> of every connection, inbound order:
 * {@code [SslHandler] → FrameDecoder → HandshakeHandler → SyncMessageDecoder → LinkHandler}.
 * The handshake handler removes itself once the peer is authenticated; until then it consumes
 * every frame, so no sync message is decoded from an unauthenticated peer. From then on the frame
 * decoder hands each frame to the sync message decoder where it lies in the read buffer (no
 * frame buffer per message). Outbound there is no encoder handler: a peer's event loop encodes
 * queued messages straight into batch buffers.
 *
 * <p><b>Frames</b>: {@code u32 length (big-endian) | payload}, the length excluding itself. The
 * payload is a handshake message (see {@code Handshake}) until the
 * handshake is done, then exactly one {@code CrdtCodec.encode(SyncMessage)}. Frames are at most
 * 512 bytes before authentication and {@code maxFrameBytes} after; a longer length, checked as
 * soon as its four bytes arrive, or an undecodable payload closes that connection with a logged
 * reason. Nothing else about the node changes.
 *
 * <p><b>Handshake</b>: the dialler sends HELLO (version, role, node id, 32-byte nonce, cluster
 * name); the acceptor checks it and answers HELLO and PROOF; the dialler checks both and answers
 * PROOF. A proof is an HMAC-SHA256 under the cluster secret of both HELLOs and the prover's role,
 * compared in constant time; the secret never crosses the wire and a recorded handshake fails on
 * a new connection because the other side's nonce is new. Failures (version, cluster, proof,
 * timeout, garbage) are sent as REJECT with a reason before closing, so both sides log it, and
 * counted in {@link dev.converge.transport.netty.NettyTransport#handshakeFailures()}. Without TLS
 * the handshake authenticates the peer at connect time only: the stream after it is neither
 * encrypted nor integrity-protected, so untrusted networks need TLS.
 *
 * <p><b>Links</b> (see {@code Links}): one per peer pair; when both
 * sides dial, both keep the connection dialled by the smaller replica id, and the switch is
 * invisible to the engine. Diallers reconnect with capped exponential backoff and jitter.
 *
 * <p><b>Back-pressure</b>: {@code send} prepares the message on the caller's thread (maps it to
 * its encoding and measures it, {@code CrdtCodec.prepare}, so a message that cannot be encoded
 * fails there) and admits it into the peer's {@code OutboundQueue} against both its message and
 * byte bounds with one compare-and-set, or returns {@code BACK_PRESSURED}. The peer's event loop
 * drains the queue, encoding each message straight into 64 KiB heap batch buffers, while the
 * channel is writable and flushes once per drain (write coalescing), so a peer that stops
 * reading costs at most its queue bound plus Netty's 1 MiB high water mark, and never blocks
 * anyone.
 *
 * <p><b>Threads and time</b>: this module is an adapter, not engine code: it owns its Netty event
 * loops, reads real time for timeouts and backoff, and draws nonces from {@link
 * java.security.SecureRandom}.
 */
package dev.converge.transport.netty;
