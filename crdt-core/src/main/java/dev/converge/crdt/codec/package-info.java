/**
 * The canonical encoding: {@link dev.converge.crdt.codec.CrdtCodec} and {@link dev.converge.crdt.codec.CodecException}.
 *
 * <p>Design note. Every value is a varint type tag, a varint version and a protobuf message of
 * {@code converge.proto}, compiled at build time. Encoders walk stores in key order and write each
 * replica id once, so equal values give identical bytes (what digests and the laws test rely on).
 * Decoders treat input as hostile and report every violation as a {@code CodecException}. The
 * generated classes (subpackage {@code proto}) never appear in a public signature. Byte integrity
 * (bit flips that happen to decode) is left to the layers below: a CRC per stored value, TCP/TLS.
 */
package dev.converge.crdt.codec;
