package dev.converge.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code converge} command line. Exit codes: 0 success, 1 a check failed (for example the
 * demo's replicas did not converge), 2 invalid usage.
 */
@Command(name = "converge",
        mixinStandardHelpOptions = true,
        version = "converge 0.1.0-SNAPSHOT",
        description = "Offline-first CRDT replication for the JVM.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:a check failed", "2:invalid usage"})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
