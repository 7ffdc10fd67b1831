package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.converge.crdt.port.Endpoint;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code converge status} pointed at something that is not a node says so and exits 3. */
class StatusCommandTest {

    private static String[] ask(byte[] answer) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/status", exchange -> {
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "status", "--node",
                    "127.0.0.1:" + server.getAddress().getPort());
            return new String[] {Integer.toString(code), err.toString()};
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anOversizedAnswerIsRefusedWithoutReadingItAll() throws Exception {
        byte[] huge = new byte[(StatusCommand.MAX_STATUS_BYTES) + 10];
        Arrays.fill(huge, (byte) ' ');
        String[] r = ask(huge);
        assertThat(r[0]).isEqualTo("3");
        assertThat(r[1]).contains("answered with more than 1 MiB; not a status");
    }

    @Test
    void garbageIsReportedWithoutItsControlCharacters() throws Exception {
        String[] r = ask("{\"serving\": tru\u001b[31m".getBytes(StandardCharsets.UTF_8));
        assertThat(r[0]).isEqualTo("3");
        assertThat(r[1]).contains("did not answer with a status: not JSON").doesNotContain("\u001b");
    }

    @Test
    void anIpv6NodeAddressIsBracketedInTheUrl() {
        assertThat(StatusCommand.statusUri(new Endpoint("::1", 8379))).hasToString("http://[::1]:8379/status");
        assertThat(StatusCommand.statusUri(new Endpoint("127.0.0.1", 8379))).hasToString("http://127.0.0.1:8379/status");
    }

    @Test
    void aTimeoutThatIsNotPositiveIsAnInvalidOption() {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "status", "--node", "127.0.0.1:1",
                "--timeout", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--timeout must be a positive number");
    }
}
