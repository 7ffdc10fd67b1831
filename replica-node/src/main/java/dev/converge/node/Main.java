package dev.converge.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code converge} command line. Exit codes (every command lists its own in --help):
 * 0 success, 1 a check failed (the demo did not converge, a node is not serving), 2 invalid usage
 * or configuration, 3 a runtime failure (a port in use, a node unreachable or exited); a node
 * stopped by SIGINT or SIGTERM exits with 130 or 143 after a clean shutdown.
 */
@Command(name = "converge",
        mixinStandardHelpOptions = true,
        version = "converge " + NodeInfo.VERSION,
        usageHelpWidth = 110,
        description = "Offline-first CRDT replication for the JVM: run nodes, talk to them with any Redis client.",
        subcommands = {NodeCommand.class, ClusterCommand.class, DemoCommand.class, StatusCommand.class, CrdtDemoCommand.class,
            ModuleCommands.Sim.class, ModuleCommands.Bench.class, ModuleCommands.Chaos.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:a check failed (the demo did not converge; status: the node is not serving)",
            "2:invalid usage or configuration (the message names the option)",
            "3:a runtime failure (a port in use, a node unreachable or exited)",
            "130/143:a node or cluster stopped by SIGINT/SIGTERM, after a clean shutdown"
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, with the commands' output and errors sent to {@code out} and {@code err} (null: the console). */
    static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("converge " + commandLine.getCommandName() + ": " + e.getMessage());
            return 3;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
