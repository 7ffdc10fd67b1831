package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.transport.netty.TestCertificates.Issued;
import dev.converge.transport.netty.TestNodes.Node;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS 1.3 with certificates made at test time: PEM and PKCS#12 both work; a peer whose
 * certificate an unknown CA signed, a peer without a client certificate, and a plaintext peer are
 * refused with a logged TLS reason.
 */
@ExtendWith(LeakCheck.class)
class TlsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static Issued ca;
    static Issued node1;
    static Issued node2;
    static Issued rogue;
    static Issued otherCa;

    @BeforeAll
    static void issueCertificates() {
        ca = TestCertificates.ca("converge-test-ca");
        otherCa = TestCertificates.ca("some-other-ca");
        node1 = TestCertificates.node("node-1", ca);
        node2 = TestCertificates.node("node-2", ca);
        rogue = TestCertificates.node("rogue", otherCa);
    }

    private static void exchange(Node a, Node b) {
        a.sendSequence(b, 1, 1_000);
        b.sendSequence(a, 1, 1_000);
        Waits.until(WAIT, "messages over TLS", () -> a.from(b).count() == 1_000 && b.from(a).count() == 1_000);
        assertThat(a.from(b).outOfOrder()).isZero();
        assertThat(b.from(a).outOfOrder()).isZero();
    }

    @Test
    void mutualTlsWithPemFiles() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "pem-1", node1, ca)).build());
            Node b = nodes.start(TestNodes.config(2).tls(TestCertificates.pem(dir, "pem-2", node2, ca)).build());
            b.transport().connect(a.endpoint());
            a.recorder().awaitUp(b.id(), WAIT);
            b.recorder().awaitUp(a.id(), WAIT);
            exchange(a, b);
            assertThat(a.transport().handshakeFailures()).isZero();
        }
    }

    @Test
    void mutualTlsWithPkcs12AndMixedFormats() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pkcs12(dir, "p12-1", node1, ca)).build());
            Node b = nodes.start(TestNodes.config(2).tls(TestCertificates.pem(dir, "mixed-2", node2, ca)).build());
            Node c = nodes.start(TestNodes.config(3).tls(TestCertificates.pkcs12(dir, "p12-3", node2, ca)).build());
            b.transport().connect(a.endpoint());
            c.transport().connect(a.endpoint());
            a.recorder().awaitUp(b.id(), WAIT);
            a.recorder().awaitUp(c.id(), WAIT);
            exchange(a, b);
            exchange(c, a);
        }
    }

    @Test
    void aCertificateFromAnUnknownCaIsRefused() {
        try (TestNodes nodes = new TestNodes()) {
            LogCapture.get().clear();
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "ca-1", node1, ca)).build());
            // The rogue trusts our CA (so it would accept us) but its own certificate is signed by another CA.
            Node bad = nodes.start(TestNodes.config(0xBAD).reconnectBaseMillis(500).reconnectMaxMillis(1_000)
                    .tls(TestCertificates.pem(dir, "rogue", rogue, otherCa, ca)).build());
            bad.transport().connect(a.endpoint());
            LogCapture.get().await(WAIT, "[0000000000000001] connection from", "handshake failed: TLS");
            LogCapture.get().await(WAIT, "[0000000000000bad] connection to", "handshake failed: TLS");
            assertThat(a.transport().handshakeFailures()).isPositive();
            assertThat(bad.transport().handshakeFailures()).isPositive();
            assertThat(a.transport().connectedPeers()).isEmpty();
            assertThat(bad.transport().connectedPeers()).isEmpty();

            // The other direction: our node dials a server whose certificate it cannot trust.
            a.transport().connect(bad.endpoint());
            LogCapture.get().await(WAIT, "[0000000000000001] connection to " + bad.endpoint(), "handshake failed: TLS",
                    "unable to find valid certification path");
            assertThat(a.transport().connectedPeers()).isEmpty();
        }
    }

    @Test
    void aPeerWithoutAClientCertificateIsRefused() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            LogCapture.get().clear();
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "nocert-1", node1, ca)).build());
            SslContext noCertificate = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3")
                    .trustManager(ca.certificate()).build();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(noCertificate.newHandler(c.alloc(), a.endpoint().host(), a.endpoint().port()));
                        c.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // the alert the node sends: expected here
                            }
                        });
                    }
                }).connect(a.endpoint().host(), a.endpoint().port()).sync().channel();
                assertThat(ch.closeFuture().await(5, TimeUnit.SECONDS)).as("the node closes the connection").isTrue();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
            LogCapture.get().await(WAIT, "[0000000000000001] connection from", "handshake failed: TLS");
            assertThat(a.transport().handshakeFailures()).isPositive();
            assertThat(a.transport().connectedPeers()).isEmpty();
        }
    }

    /**
     * netty-tcnative is shipped for Linux x86_64 and aarch64 (CI's platforms), where it must load;
     * elsewhere the BoringSSL tests have nothing to run on.
     */
    private static void assumeBoringSslShipped() {
        boolean shipped = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && java.util.Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"));
        assumeTrue(shipped, "netty-tcnative is not shipped for " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    @Test
    void boringSslNodesTalkToEachOtherAndToJdkNodes() {
        assumeBoringSslShipped();
        TlsConfig.Provider openssl = TlsConfig.Provider.OPENSSL;
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "ossl-1", node1, ca).withProvider(openssl)).build());
            Node b = nodes.start(TestNodes.config(2).tls(TestCertificates.pkcs12(dir, "ossl-2", node2, ca).withProvider(openssl)).build());
            Node c = nodes.start(TestNodes.config(3).tls(TestCertificates.pem(dir, "jdk-3", node2, ca)).build());
            b.transport().connect(a.endpoint());
            a.transport().connect(c.endpoint()); // a BoringSSL client, a JDK server
            b.transport().connect(c.endpoint());
            a.recorder().awaitUp(b.id(), WAIT);
            a.recorder().awaitUp(c.id(), WAIT);
            b.recorder().awaitUp(c.id(), WAIT);
            exchange(a, b);
            exchange(a, c);
            exchange(b, c);
            assertThat(a.transport().handshakeFailures() + b.transport().handshakeFailures() + c.transport().handshakeFailures()).isZero();
        }
    }

    @Test
    void boringSslRefusesACertificateFromAnUnknownCaWithTheReason() {
        assumeBoringSslShipped();
        try (TestNodes nodes = new TestNodes()) {
            LogCapture.get().clear();
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "ossl-ca-1", node1, ca).withProvider(TlsConfig.Provider.OPENSSL)).build());
            Node bad = nodes.start(TestNodes.config(0xBAD).reconnectBaseMillis(500).reconnectMaxMillis(1_000)
                    .tls(TestCertificates.pem(dir, "ossl-rogue", rogue, otherCa, ca)).build());
            a.transport().connect(bad.endpoint());
            // BoringSSL says "General OpenSslEngine problem"; the log line also names the certificate check's failure.
            LogCapture.get().await(WAIT, "[0000000000000001] connection to " + bad.endpoint(), "handshake failed: TLS",
                    "unable to find valid certification path");
            assertThat(a.transport().connectedPeers()).isEmpty();
        }
    }

    @Test
    void aPlaintextPeerCannotTalkToATlsNode() {
        try (TestNodes nodes = new TestNodes()) {
            LogCapture.get().clear();
            Node a = nodes.start(TestNodes.config(1).tls(TestCertificates.pem(dir, "plain-1", node1, ca)).build());
            Node plain = nodes.start(TestNodes.config(2).reconnectBaseMillis(500).reconnectMaxMillis(1_000).build());
            plain.transport().connect(a.endpoint());
            LogCapture.get().await(WAIT, "[0000000000000001] connection from", "handshake failed: TLS");
            assertThat(a.transport().connectedPeers()).isEmpty();
        }
    }

    @Test
    void unreadableMaterialFailsAtCreate() {
        TlsConfig missing = TlsConfig.pem(dir.resolve("nope.crt"), dir.resolve("nope.key"), dir.resolve("nope-ca.crt"));
        assertThatThrownBy(() -> NettyTransport.create(TestNodes.config(1).tls(missing).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot load the TLS material");
        TlsConfig wrongPassword = TestCertificates.pkcs12(dir, "pw", node1, ca);
        TlsConfig bad = new TlsConfig(TlsConfig.Format.PKCS12, wrongPassword.identityFile(), null, "wrong".toCharArray(),
                TlsConfig.Format.PKCS12, wrongPassword.trustFile(), wrongPassword.trustPassword(), false, TlsConfig.Provider.JDK);
        assertThatThrownBy(() -> NettyTransport.create(TestNodes.config(1).tls(bad).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot load the TLS material");
    }
}
