package dev.converge.node;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code converge sim}, {@code converge bench} and {@code converge chaos} live in modules that
 * depend on this one (the simulator, the benchmarks, the chaos suite); the launcher script runs
 * them directly. These entries list them in {@code converge --help} and explain when reached
 * some other way.
 */
final class ModuleCommands {

    private ModuleCommands() {
    }

    @Command(name = "sim",
            description = "The deterministic simulator: seeded fault schedules and the convergence oracle (./converge sim --help).")
    static final class Sim implements Callable<Integer> {
        @Unmatched
        List<String> args;

        @Override
        public Integer call() {
            System.err.println("converge sim runs from the simulation module: use the launcher, ./converge sim --help");
            return 2;
        }
    }

    @Command(name = "chaos",
            description = "The chaos suite: real nodes under network and process faults, Jepsen-style checkers (./converge chaos --help).")
    static final class Chaos implements Callable<Integer> {
        @Unmatched
        List<String> args;

        @Override
        public Integer call() {
            System.err.println("converge chaos runs from the chaos module: use the launcher, ./converge chaos --help");
            return 2;
        }
    }

    @Command(name = "bench",
            description = "The benchmarks: JMH suites and the load driver (./converge bench --help).")
    static final class Bench implements Callable<Integer> {
        @Unmatched
        List<String> args;

        @Override
        public Integer call() {
            System.err.println("converge bench runs from the benchmarks module: use the launcher, ./converge bench --help");
            return 2;
        }
    }
}
