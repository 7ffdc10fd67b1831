package dev.converge.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code converge demo}: a three-node cluster diverges under a partition, heals and converges. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Three nodes diverge under a partition, heal and converge.",
            "",
            "Starts three nodes on this machine (separate JVMs, RocksDB, Redis ports), writes a counter, a register, a set "
                + "and a map through the Redis protocol, partitions one node away, writes on both sides, heals, and prints "
                + "the values on every node before and after, with the time the nodes took to converge. Takes well under a "
                + "minute and leaves nothing running. 'converge crdt-demo' shows the merge rules in one process, without "
                + "network or disk.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the nodes converged to the expected values",
            "1:they did not, or a step failed (the output says which)",
            "2:invalid option"
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--keep", paramLabel = "DIR", description = "Keep the nodes' data and logs in DIR instead of a temporary directory.")
    Path keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (keep != null && Files.isDirectory(keep) && !isEmpty(keep)) {
            // The script expects empty nodes: a kept directory from an earlier run would add its values.
            throw new ParameterException(spec.commandLine(), "--keep " + keep + " is not empty: the demo starts from empty nodes; "
                    + "name a new directory");
        }
        return new ClusterDemo(System.out, Optional.ofNullable(keep)).run() ? 0 : 1;
    }

    private boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--keep " + dir + " cannot be read: " + e.getMessage());
        }
    }
}
