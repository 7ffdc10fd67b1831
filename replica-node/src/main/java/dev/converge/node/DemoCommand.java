package dev.converge.node;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Override
    public Integer call() {
        return new ClusterDemo(System.out, Optional.ofNullable(keep)).run() ? 0 : 1;
    }
}
