package dev.converge.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Simulator-side emulations of engine fixes not made yet (the simulator must not edit the
 * engine). Off by default: a plain run tests the engine as built. {@link KnownIssue} uses them to
 * tell a known defect from a new one.
 */
public enum Mitigation {
    /**
     * After a power loss on a buffered log, the restarted replica keeps its recovered data but
     * takes a new replica id (as a wiped one does), so it issues no dot or counter value twice
     * and its peers send it back, as any third replica's, the writes it lost.
     */
    NEW_ID_AFTER_LOST_TAIL;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code none}, {@code all} or a comma-separated list. */
    public static Set<Mitigation> parseList(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Set<Mitigation> out = EnumSet.noneOf(Mitigation.class);
        if (t.equals("all")) {
            return EnumSet.allOf(Mitigation.class);
        }
        if (t.isEmpty() || t.equals("none")) {
            return out;
        }
        for (String part : t.split(",")) {
            try {
                out.add(valueOf(part.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown mitigation '" + part.trim() + "'; known: new-id-after-lost-tail", e);
            }
        }
        return out;
    }
}
