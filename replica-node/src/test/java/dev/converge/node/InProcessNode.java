package dev.converge.node;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Starts a node in the test's own process, on loopback ephemeral ports, as `converge node` would from its options. */
final class InProcessNode {

    private InProcessNode() {
    }

    /**
     * A node named {@code name} of cluster {@code cluster}, its data under {@code dir}/{@code name};
     * {@code options} (key, value, ...) add to or override the defaults, {@code env} stands for the environment.
     */
    static ConvergeNode start(Path dir, String cluster, String name, Map<String, String> env, String... options) {
        Map<String, List<String>> cli = new LinkedHashMap<>();
        for (String[] kv : new String[][] {{"data-dir", dir.resolve(name).toString()}, {"node-id", name}, {"cluster-name", cluster},
            {"listen", "127.0.0.1:0"}, {"redis", "127.0.0.1:0"}, {"http", "127.0.0.1:0"}}) {
            cli.put(kv[0], List.of(kv[1]));
        }
        for (int i = 0; i < options.length; i += 2) {
            cli.put(options[i], List.of(options[i + 1]));
        }
        return ConvergeNode.start(NodeSettings.resolve(cli, Map.of(), null, env));
    }
}
