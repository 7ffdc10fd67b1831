package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code converge status}: a node's members, per-peer lag, document count and sync state, from its /status. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Shows a node's members, per-peer replication lag, document count and sync state.",
            "",
            "Reads the node's HTTP port (GET /status). Sync state: in-sync, replicating (a peer has not acknowledged the "
                + "whole log), disconnected (a peer has no link), suspected (a linked peer's heartbeats stopped), "
                + "catching-up (a digest catch-up runs), isolated (CONVERGE.PARTITION) or alone (no peers).",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the node answered and is serving",
            "1:the node answered but is not serving (stopping)",
            "2:invalid option",
            "3:the node could not be reached or answered nonsense"
        })
final class StatusCommand implements Callable<Integer> {

    /** A status lists every peer and member; a cluster of thousands stays far below this. */
    static final int MAX_STATUS_BYTES = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--node", paramLabel = "HOST:PORT", required = true, description = "The node's HTTP address (its --http).")
    String node;

    @Option(names = "--json", description = "Print the node's JSON as it is.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "MILLIS", defaultValue = "5000", description = "How long to wait (default: ${DEFAULT-VALUE} ms).")
    long timeoutMillis;

    /** The node's status address; an IPv6 literal goes in brackets. */
    static URI statusUri(Endpoint endpoint) {
        String host = endpoint.host().contains(":") && !endpoint.host().startsWith("[") ? "[" + endpoint.host() + "]" : endpoint.host();
        return URI.create("http://" + host + ":" + endpoint.port() + "/status");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Endpoint endpoint;
        try {
            endpoint = NodeSettings.parseEndpoint(node, new NodeSettings.Value(List.of(node), "--node", null), true);
        } catch (ConfigException e) {
            err.println("converge status: " + e.getMessage());
            return 2;
        }
        if (timeoutMillis <= 0) {
            err.println("converge status: --timeout must be a positive number of milliseconds, got " + timeoutMillis);
            return 2;
        }
        String body;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMillis)).build();
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(statusUri(endpoint))
                    .timeout(Duration.ofMillis(timeoutMillis)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    err.println("converge status: " + endpoint + " answered HTTP " + response.statusCode());
                    return 3;
                }
                // Whatever answers on that port is read only up to a status's plausible size.
                byte[] bytes = in.readNBytes(MAX_STATUS_BYTES + 1);
                if (bytes.length > MAX_STATUS_BYTES) {
                    err.println("converge status: " + endpoint + " answered with more than " + (MAX_STATUS_BYTES >> 20) + " MiB; not a status");
                    return 3;
                }
                body = new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("converge status: cannot reach " + endpoint + ": " + e.getMessage());
            return 3;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
        Map<?, ?> s;
        try {
            s = (Map<?, ?>) Json.parse(body);
        } catch (RuntimeException e) {
            err.println("converge status: " + endpoint + " did not answer with a status: " + e.getMessage());
            return 3;
        }
        if (json) {
            out.print(body);
        } else {
            print(out, s);
        }
        out.flush();
        return Boolean.TRUE.equals(s.get("serving")) ? 0 : 1;
    }

    static void print(PrintWriter out, Map<?, ?> s) {
        Map<?, ?> ends = (Map<?, ?>) s.get("endpoints");
        out.printf("node %s (replica %s), cluster %s: %s, sync %s%n", s.get("node"), s.get("replica"), s.get("cluster"),
                Boolean.TRUE.equals(s.get("serving")) ? "serving" : "not serving", s.get("sync"));
        out.printf("  peers on %s, redis on %s, http on %s, up %ss%n", ends.get("peers"), ends.get("redis"), ends.get("http"),
                s.get("uptimeSeconds"));
        out.printf("  documents %s, local log at seq %s (%s entries kept), rejected messages %s, type conflicts %s%n",
                s.get("documents"), s.get("lastSeq"), s.get("deltaLogEntries"), s.get("rejectedMessages"), s.get("typeConflicts"));
        List<?> peers = (List<?>) s.get("peers");
        out.printf("members: this node and %d peer%s%n", peers.size(), peers.size() == 1 ? "" : "s");
        if (!peers.isEmpty()) {
            out.printf("  %-16s  %-9s  %9s  %9s  %9s  %12s  %s%n", "peer replica", "link", "acked seq", "unacked", "lag ms", "last contact",
                    "catching up");
            for (Object o : peers) {
                Map<?, ?> p = (Map<?, ?>) o;
                long ago = ((Number) p.get("lastContactMillisAgo")).longValue();
                out.printf("  %-16s  %-9s  %9s  %9s  %9s  %12s  %s%n", p.get("replica"),
                        !Boolean.TRUE.equals(p.get("connected")) ? "down" : Boolean.TRUE.equals(p.get("suspected")) ? "suspected" : "up",
                        p.get("ackedSeq"), p.get("unackedEntries"),
                        p.get("lagMillis"), ago < 0 ? "never" : ago + " ms ago", Boolean.TRUE.equals(p.get("catchingUp")) ? "yes" : "no");
            }
        }
    }
}
