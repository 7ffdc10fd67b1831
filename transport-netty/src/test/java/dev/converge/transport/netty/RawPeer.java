package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Message;
import dev.converge.transport.netty.Handshake.Proof;
import dev.converge.transport.netty.Handshake.Role;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * A hand-driven peer on a blocking socket: the bad peers of the tests. Speaks the wire format
 * through this package's own {@link Handshake} and {@link FrameDecoder} definitions, and records
 * every byte it sends so a handshake can be replayed.
 */
final class RawPeer implements AutoCloseable {

    final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    static RawPeer connect(Endpoint endpoint) {
        return connect(endpoint, 0);
    }

    /** Connects; {@code receiveBuffer > 0} shrinks the socket's receive buffer (a peer that reads slowly). */
    static RawPeer connect(Endpoint endpoint, int receiveBuffer) {
        try {
            Socket s = new Socket();
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 2_000);
            s.setSoTimeout(5_000);
            s.setTcpNoDelay(true);
            return new RawPeer(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            sent.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendFrame(byte[] payload) {
        byte[] frame = new byte[4 + payload.length];
        frame[0] = (byte) (payload.length >>> 24);
        frame[1] = (byte) (payload.length >>> 16);
        frame[2] = (byte) (payload.length >>> 8);
        frame[3] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        sendRaw(frame);
    }

    void send(SyncMessage message) {
        sendFrame(CrdtCodec.encode(message));
    }

    byte[] readFrame() {
        try {
            int length = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Message readHandshake() {
        try {
            return Handshake.decode(readFrame());
        } catch (Handshake.Failure f) {
            throw new AssertionError("peer sent a bad handshake message: " + f.getMessage(), f);
        }
    }

    /** The dialler's side of a correct handshake (or a wrong one, with a wrong secret or cluster). */
    ReplicaId handshake(ReplicaId self, String cluster, byte[] secret) {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        Hello hello = Hello.of(Role.DIALER, self, nonce, cluster);
        sendFrame(hello.encoded());
        Message m = readHandshake();
        if (!(m instanceof Hello theirs)) {
            throw new AssertionError("expected HELLO, got " + m);
        }
        Message proof = readHandshake();
        if (!(proof instanceof Proof)) {
            throw new AssertionError("expected PROOF, got " + proof);
        }
        byte[] mine = Handshake.proof(Handshake.key(secret), Role.DIALER, hello.encoded(), theirs.encoded());
        sendFrame(new Proof(mine).encode());
        return theirs.node();
    }

    /** Reads (and discards) until the peer closes; {@code true} if it closed within {@code timeout}. */
    boolean awaitClosed(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[64 << 10];
        try {
            socket.setSoTimeout(50);
            while (System.nanoTime() < end) {
                try {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // keep waiting
                } catch (EOFException e) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true; // reset by the peer counts as closed
        }
    }

    /**
     * Reads until the peer closes; returns how many bytes came before the end, or -1 when the
     * connection is still open after {@code timeout}.
     */
    long bytesUntilClosed(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[64 << 10];
        long total = 0;
        try {
            socket.setSoTimeout(50);
            while (System.nanoTime() < end) {
                try {
                    int n = in.read(sink);
                    if (n < 0) {
                        return total;
                    }
                    total += n;
                } catch (SocketTimeoutException e) {
                    // keep waiting
                }
            }
            return -1;
        } catch (IOException e) {
            return total; // reset by the peer counts as closed
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a test socket: nothing to do
        }
    }
}
