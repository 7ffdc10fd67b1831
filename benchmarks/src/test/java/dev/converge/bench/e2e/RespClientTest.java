package dev.converge.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The driver's client against a scripted server: the bytes it sends and how it reads the replies. */
class RespClientTest {

    @Test
    void setAndGetSpeakRespTwo() throws Exception {
        String requests = "*3\r\n$3\r\nSET\r\n$12\r\nkey:12345678\r\n$0\r\n\r\n" + "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                + "*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n";
        String replies = "+OK\r\n" + "$5\r\nhello\r\n" + "$-1\r\n";
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> received = serve(server, requests.length(), replies);
            try (RespClient c = RespClient.connect(server.getLocalPort())) {
                c.set(bytes("key:12345678"), new byte[0]);
                assertThat(c.get(bytes("k"))).isEqualTo("hello");
                assertThat(c.get(bytes("missing"))).isNull();
            }
            assertThat(received.get()).isEqualTo(requests);
        }
    }

    @Test
    void anErrorReplyToSetFails() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serve(server, 0, "-ERR max clients reached\r\n");
            try (RespClient c = RespClient.connect(server.getLocalPort())) {
                assertThatThrownBy(() -> c.set(bytes("k"), bytes("v"))).isInstanceOf(IOException.class)
                        .hasMessageContaining("ERR max clients reached");
            }
        }
    }

    /** Accepts one connection, reads {@code expect} bytes (0: none), writes {@code replies}, and keeps the socket open until the client closes. */
    private static CompletableFuture<String> serve(ServerSocket server, int expect, String replies) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                out.write(replies.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                got.write(in.readNBytes(expect));
                in.readAllBytes();
                return got.toString(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
