package dev.converge.crdt.testkit;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Queries over a knowledge's live ops. */
final class Live {

    private Live() {
    }

    static Set<Integer> ops(Knowledge k, OpLog log, Predicate<ModelOp> which) {
        Set<Integer> out = new HashSet<>();
        for (int id : k.live()) {
            if (which.test(log.get(id))) {
                out.add(id);
            }
        }
        return out;
    }

    static Predicate<ModelOp> at(List<String> path, String kind) {
        return op -> op.path().equals(path) && op.kind().equals(kind);
    }

    static Predicate<ModelOp> under(List<String> prefix) {
        return op -> op.path().size() >= prefix.size() && op.path().subList(0, prefix.size()).equals(prefix);
    }
}
