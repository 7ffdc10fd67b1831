package dev.converge.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.chaos.FaultProxy.LinkFaults;
import dev.converge.chaos.FaultProxy.NetworkState;
import dev.converge.chaos.Schedule.Link;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy against a plain framed server standing in for node 1 (node 0 dials it at
 * {@code port(0, 1)}): frames pass intact both ways, and each fault does what it says to whole
 * frames, per direction.
 */
class FaultProxyTest {

    private ServerSocket server;
    private FaultProxy proxy;
    private Socket client;
    private Socket accepted;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        proxy = FaultProxy.start(2, 1L);
        proxy.targets(new int[] {1, server.getLocalPort()});
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : new Socket[] {client, accepted}) {
            if (s != null) {
                s.close();
            }
        }
        server.close();
        proxy.close();
    }

    /** Node 0 connects through the proxy; node 1 (the server) accepts. */
    private void connect() throws IOException {
        client = new Socket("127.0.0.1", proxy.port(0, 1));
        client.setSoTimeout(2_000);
        server.setSoTimeout(5_000);
        accepted = server.accept();
        accepted.setSoTimeout(2_000);
    }

    private static void send(Socket s, String payload) throws IOException {
        byte[] b = payload.getBytes(StandardCharsets.UTF_8);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(b.length);
        out.write(b);
        out.flush();
    }

    /** A handshake-like frame: the payload starts with the transport's magic. */
    private static String handshake(String rest) {
        return "CNVG" + rest;
    }

    private static String receive(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int n = in.readInt();
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static boolean nothingWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            receive(s);
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            s.setSoTimeout(2_000);
        }
    }

    @Test
    void forwardsFramesIntactBothWays() throws IOException {
        connect();
        // One write holding two frames and the start of a third, then the rest: the proxy re-frames.
        byte[] a = "first".getBytes(StandardCharsets.UTF_8);
        byte[] b = "second".getBytes(StandardCharsets.UTF_8);
        byte[] c = "third, longer".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(buf);
        d.writeInt(a.length);
        d.write(a);
        d.writeInt(b.length);
        d.write(b);
        d.writeInt(c.length);
        d.write(c);
        byte[] all = buf.toByteArray();
        client.getOutputStream().write(all, 0, all.length - 5);
        client.getOutputStream().flush();
        client.getOutputStream().write(all, all.length - 5, 5);
        assertThat(List.of(receive(accepted), receive(accepted), receive(accepted))).containsExactly("first", "second", "third, longer");
        send(accepted, "reply");
        assertThat(receive(client)).isEqualTo("reply");
        assertThat(proxy.counters().forwarded()).isEqualTo(4);
    }

    @Test
    void swallowsOneDirectionOnly() throws IOException {
        connect();
        proxy.apply(new NetworkState(2).with(new Link(0, 1), new LinkFaults(true, 0, 0, 0, 0)));
        send(client, handshake("hello"));
        send(accepted, "from node 1");
        assertThat(receive(client)).isEqualTo("from node 1");
        assertThat(nothingWithin(accepted, 300)).isTrue();
        assertThat(proxy.counters().swallowed()).isEqualTo(1);
        proxy.apply(new NetworkState(2));
        send(client, "after the heal");
        assertThat(receive(accepted)).isEqualTo("after the heal");
    }

    @Test
    void dropsAndDuplicatesWholeFramesButNeverHandshakeFrames() throws IOException {
        connect();
        proxy.apply(new NetworkState(2).with(new Link(0, 1), new LinkFaults(false, 1.0, 0, 0, 0)));
        send(client, "dropped");
        send(client, handshake("kept"));
        assertThat(receive(accepted)).isEqualTo(handshake("kept"));
        assertThat(proxy.counters().dropped()).isEqualTo(1);
        proxy.apply(new NetworkState(2).with(new Link(1, 0), new LinkFaults(false, 0, 1.0, 0, 0)));
        send(accepted, "twice");
        send(accepted, handshake("once"));
        assertThat(List.of(receive(client), receive(client), receive(client))).containsExactly("twice", "twice", handshake("once"));
        assertThat(proxy.counters().duplicated()).isEqualTo(1);
    }

    @Test
    void delaysWithJitterKeepingOrder() throws IOException {
        connect();
        proxy.apply(new NetworkState(2).with(new Link(0, 1), new LinkFaults(false, 0, 0, 150, 100)));
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            send(client, "m" + i);
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            got.add(receive(accepted));
        }
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("m" + i);
        }
        assertThat(got).isEqualTo(expected);
        assertThat(elapsed).isGreaterThanOrEqualTo(50);
        assertThat(proxy.counters().delayed()).isPositive();
    }

    @Test
    void refusesAndResetsConnectionsOfARefusedPair() throws IOException {
        connect();
        int reset = proxy.apply(new NetworkState(2).refusing(new Link(1, 0)));
        assertThat(reset).isEqualTo(1);
        assertThatThrownBy(() -> receive(client)).isInstanceOf(IOException.class);
        Socket again = new Socket("127.0.0.1", proxy.port(0, 1));
        again.setSoTimeout(2_000);
        try {
            assertThatThrownBy(() -> receive(again)).isInstanceOf(IOException.class);
        } finally {
            again.close();
        }
        assertThat(proxy.counters().refused()).isEqualTo(1);
    }

    @Test
    void resetsTheConnectionsOfALinkEitherWay() throws IOException {
        connect();
        assertThat(proxy.reset(Set.of(new Link(1, 0)))).isEqualTo(1);
        assertThatThrownBy(() -> receive(client)).isInstanceOf(IOException.class);
        assertThat(proxy.counters().reset()).isEqualTo(1);
    }

    @Test
    void holdSwallowsEverythingToAndFromANode() throws IOException {
        connect();
        proxy.hold(1);
        send(client, handshake("to the held node"));
        send(accepted, "from the held node");
        assertThat(nothingWithin(accepted, 300)).isTrue();
        assertThat(nothingWithin(client, 300)).isTrue();
        assertThat(proxy.counters().held()).isEqualTo(2);
        proxy.release(1);
        send(client, "released");
        assertThat(receive(accepted)).isEqualTo("released");
    }

    @Test
    void aDownTargetLooksLikeAReset() throws IOException {
        int port = server.getLocalPort();
        server.close();
        proxy.targets(new int[] {1, port});
        client = new Socket("127.0.0.1", proxy.port(0, 1));
        client.setSoTimeout(3_000);
        assertThatThrownBy(() -> receive(client)).isInstanceOf(IOException.class);
        assertThat(proxy.counters().unreachable()).isEqualTo(1);
        assertThat(proxy.counters().reset()).isZero();
        server = new ServerSocket();
    }
}
