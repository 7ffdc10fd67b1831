package dev.converge.sim;

import java.util.EnumSet;
import java.util.Set;

/**
 * Engine defects the simulator has found and that are not fixed yet, each with the fault that
 * triggers it and a {@link Mitigation}: a simulator-side emulation of the fix the engine needs.
 * A failing seed is attributed to a known issue only if its scenario contains the trigger and the
 * same scenario passes with the mitigation on; any other failure is new. docs/SIMULATION.md
 * describes each; when the engine fixes one, its entry goes.
 */
public enum KnownIssue {
    /**
     * A power loss on a buffered log loses the writer's own acknowledged writes although peers
     * hold them: BP never sends a replica its own writes back, so it stays behind until the digest
     * backstop; and the restarted process reissues the lost writes' dots and counter values, so
     * its next acknowledged writes to those documents are absorbed by what peers hold (lost).
     */
    BUFFERED_POWER_LOSS_REISSUES_DOTS(Mitigation.NEW_ID_AFTER_LOST_TAIL);

    private final Mitigation mitigation;

    KnownIssue(Mitigation mitigation) {
        this.mitigation = mitigation;
    }

    public Mitigation mitigation() {
        return mitigation;
    }

    /** Whether {@code scenario} contains what triggers this issue. */
    public boolean triggeredBy(Scenario scenario) {
        return switch (this) {
            case BUFFERED_POWER_LOSS_REISSUES_DOTS -> scenario.swarm().durability() == SimStore.Durability.BUFFERED
                    && scenario.actions().stream().anyMatch(a -> a instanceof Action.Fault f && f.kind() == FaultKind.POWER_LOSS);
        };
    }

    /** The issues {@code scenario} triggers. */
    public static Set<KnownIssue> triggeredIn(Scenario scenario) {
        Set<KnownIssue> out = EnumSet.noneOf(KnownIssue.class);
        for (KnownIssue k : values()) {
            if (k.triggeredBy(scenario)) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * The known issues that explain why {@code failing} failed: those it triggers, if it passes
     * with their mitigations on (one at a time, then together). Empty: a new failure.
     */
    public static Set<KnownIssue> explain(Scenario failing) {
        Set<KnownIssue> triggered = triggeredIn(failing);
        for (KnownIssue k : triggered) {
            if (Simulation.run(failing.withMitigations(EnumSet.of(k.mitigation()))).passed()) {
                return EnumSet.of(k);
            }
        }
        if (triggered.size() > 1) {
            Set<Mitigation> all = EnumSet.noneOf(Mitigation.class);
            triggered.forEach(k -> all.add(k.mitigation()));
            if (Simulation.run(failing.withMitigations(all)).passed()) {
                return triggered;
            }
        }
        return EnumSet.noneOf(KnownIssue.class);
    }
}
