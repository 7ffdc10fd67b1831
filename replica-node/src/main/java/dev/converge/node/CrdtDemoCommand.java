package dev.converge.node;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code converge crdt-demo}: the merge rules of crdt-core in one process (no network, no disk). */
@Command(name = "crdt-demo",
        mixinStandardHelpOptions = true,
        description = {
            "The merge rules of crdt-core in one process (no network, no disk).",
            "",
            "Three in-process replicas make concurrent updates to a counter, a register, a set and a map, exchange their "
                + "deltas shuffled and duplicated, and print their (equal) final values.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the replicas converged", "1:they did not", "2:invalid option"})
final class CrdtDemoCommand implements Callable<Integer> {

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the delivery order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        return new CrdtDemo(seed, System.out).run() ? 0 : 1;
    }
}
