package dev.converge.node;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code converge demo}: three replicas diverge, exchange deltas in a hostile order, and converge. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Three in-process replicas make concurrent updates to a counter, a register, a set and a map,",
            "exchange their deltas shuffled and duplicated, and print their (equal) final values."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the delivery order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        return new CrdtDemo(seed, out).run() ? 0 : 1;
    }
}
