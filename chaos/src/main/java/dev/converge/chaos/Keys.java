package dev.converge.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents the workload touches, fixed for the run so every final read covers all of them:
 * a few add-only sets and counters that every client writes, and per client its own registers
 * (one writer per register makes "a later acknowledged write of the same client" well defined).
 */
final class Keys {

    final List<String> sets;
    final List<String> counters;
    /** Registers of client {@code c} (1-based) at index {@code c - 1}. */
    final List<List<String>> registers;

    Keys(int sets, int counters, int clients, int registersPerClient) {
        this.sets = names("set:", sets);
        this.counters = names("ctr:", counters);
        List<List<String>> r = new ArrayList<>();
        for (int c = 1; c <= clients; c++) {
            r.add(names("reg:" + c + ":", registersPerClient));
        }
        this.registers = List.copyOf(r);
    }

    List<String> allRegisters() {
        List<String> all = new ArrayList<>();
        registers.forEach(all::addAll);
        return all;
    }

    private static List<String> names(String prefix, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(prefix + i);
        }
        return List.copyOf(keys);
    }
}
