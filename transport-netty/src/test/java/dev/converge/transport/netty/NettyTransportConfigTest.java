package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Defaults, validation with named values, and a secret that is copied and never printed. */
class NettyTransportConfigTest {

    private static NettyTransportConfig.Builder builder() {
        return NettyTransportConfig.builder(ReplicaId.of(1), "prod", TestNodes.SECRET);
    }

    @Test
    void defaults() {
        NettyTransportConfig c = builder().build();
        assertThat(c.listen()).isEqualTo(new Endpoint("127.0.0.1", 0));
        assertThat(c.maxFrameBytes()).isEqualTo(4 << 20);
        assertThat(c.maxQueuedMessages()).isEqualTo(65_536);
        assertThat(c.maxQueuedBytes()).isEqualTo(16L << 20);
        assertThat(c.maxPendingHandshakes()).isEqualTo(64);
        assertThat(c.handshakeTimeoutMillis()).isEqualTo(5_000);
        assertThat(c.connectTimeoutMillis()).isEqualTo(3_000);
        assertThat(c.reconnectBaseMillis()).isEqualTo(100);
        assertThat(c.reconnectMaxMillis()).isEqualTo(10_000);
        assertThat(c.shutdownDeadlineMillis()).isEqualTo(2_000);
        assertThat(c.nativeTransport()).isTrue();
        assertThat(c.eventLoopThreads()).isBetween(1, 4);
        assertThat(c.tls()).isNull();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    }

    @Test
    void theSecretIsCopiedAndNeverPrinted() {
        byte[] secret = TestNodes.SECRET.clone();
        NettyTransportConfig c = NettyTransportConfig.builder(ReplicaId.of(1), "prod", secret).build();
        secret[0] ^= 1;
        assertThat(c.clusterSecret()).isEqualTo(TestNodes.SECRET);
        c.clusterSecret()[0] ^= 1;
        assertThat(c.clusterSecret()).isEqualTo(TestNodes.SECRET);
        assertThat(c.toString()).doesNotContain(new String(TestNodes.SECRET, java.nio.charset.StandardCharsets.UTF_8))
                .contains("clusterSecret=<32 bytes>");
        TlsConfig tls = TlsConfig.pkcs12(Path.of("a.p12"), "hunter2".toCharArray(), Path.of("t.p12"), "hunter3".toCharArray());
        assertThat(tls.toString()).doesNotContain("hunter");
    }

    @Test
    void refusesBadValuesByName() {
        assertThatThrownBy(() -> NettyTransportConfig.builder(ReplicaId.of(1), "prod", new byte[15]).build())
                .hasMessage("the cluster secret must be at least 16 bytes, got 15 bytes");
        assertThatThrownBy(() -> NettyTransportConfig.builder(ReplicaId.of(1), "", TestNodes.SECRET).build())
                .hasMessageContaining("cluster name must be 1..255 UTF-8 bytes");
        assertThatThrownBy(() -> NettyTransportConfig.builder(ReplicaId.of(1), "é".repeat(128), TestNodes.SECRET).build())
                .hasMessageContaining("cluster name");
        assertThatThrownBy(() -> NettyTransportConfig.builder(null, "prod", TestNodes.SECRET).build())
                .hasMessageContaining("local replica id");
        assertThatThrownBy(() -> builder().maxFrameBytes(10).build()).hasMessageContaining("maxFrameBytes must be in 64..");
        assertThatThrownBy(() -> builder().maxQueuedBytes(1 << 20).build())
                .hasMessageContaining("maxQueuedBytes must be in (maxFrameBytes + 4)..");
        assertThatThrownBy(() -> builder().maxQueuedMessages(1 << 20).build()).hasMessageContaining("maxQueuedMessages must be in 1..1048575");
        assertThatThrownBy(() -> builder().eventLoopThreads(0).build()).hasMessage("eventLoopThreads must be positive, got 0");
        assertThatThrownBy(() -> builder().handshakeTimeoutMillis(0).build()).hasMessage("handshakeTimeoutMillis must be positive, got 0");
        assertThatThrownBy(() -> builder().reconnectBaseMillis(500).reconnectMaxMillis(100).build())
                .hasMessage("reconnectMaxMillis 100 is below reconnectBaseMillis 500");
        assertThatThrownBy(() -> builder().shutdownDeadlineMillis(-1).build()).hasMessageContaining("shutdownDeadlineMillis");
    }

    @Test
    void tlsConfigsMustBeComplete() {
        assertThatThrownBy(() -> new TlsConfig(TlsConfig.Format.PEM, Path.of("a.crt"), null, null, TlsConfig.Format.PEM, Path.of("ca.crt"), null, false, TlsConfig.Provider.JDK))
                .hasMessageContaining("needs a private key file");
        assertThatThrownBy(() -> new TlsConfig(TlsConfig.Format.PKCS12, Path.of("a.p12"), Path.of("a.key"), null, TlsConfig.Format.PEM, Path.of("ca.crt"), null, false, TlsConfig.Provider.JDK))
                .hasMessageContaining("carries its own key");
        assertThat(TlsConfig.pem(Path.of("a"), Path.of("b"), Path.of("c")).withHostnameVerification(true).verifyHostname()).isTrue();
    }
}
