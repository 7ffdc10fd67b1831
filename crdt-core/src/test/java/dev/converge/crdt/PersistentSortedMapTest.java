package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The persistent AVL map against java.util.TreeMap, with its invariants checked after every operation. */
class PersistentSortedMapTest {

    @Test
    void behavesLikeATreeMapAndStaysBalanced() {
        qt().forAll(lists().of(integers().between(-200, 200)).ofSizeBetween(0, 300)).checkAssert(ops -> {
            PersistentSortedMap<Integer, String> map = PersistentSortedMap.empty(Comparator.naturalOrder());
            TreeMap<Integer, String> model = new TreeMap<>();
            List<PersistentSortedMap<Integer, String>> versions = new ArrayList<>();
            List<TreeMap<Integer, String>> models = new ArrayList<>();
            for (int op : ops) {
                int key = Math.floorMod(op, 50);
                if (op < 0) {
                    map = map.remove(key);
                    model.remove(key);
                } else {
                    map = map.put(key, "v" + op);
                    model.put(key, "v" + op);
                }
                map.checkInvariants();
                versions.add(map);
                models.add(new TreeMap<>(model));
            }
            for (int i = 0; i < versions.size(); i++) {
                // Every older version is untouched by later updates: structure is shared, never mutated.
                assertThat(entries(versions.get(i))).isEqualTo(new ArrayList<>(models.get(i).entrySet()));
                assertThat(versions.get(i).size()).isEqualTo(models.get(i).size());
            }
            for (int k = 0; k < 50; k++) {
                assertThat(map.get(k)).isEqualTo(model.get(k));
            }
        });
    }

    private static List<Map.Entry<Integer, String>> entries(PersistentSortedMap<Integer, String> map) {
        List<Map.Entry<Integer, String>> out = new ArrayList<>();
        map.forEach(e -> out.add(Map.entry(e.getKey(), e.getValue())));
        return out;
    }

    @Test
    void buildsBalancedTreesFromSortedArrays() {
        for (int n = 0; n < 200; n++) {
            Integer[] keys = new Integer[n];
            String[] values = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = i * 2;
                values[i] = "v" + i;
            }
            PersistentSortedMap<Integer, String> map = PersistentSortedMap.fromSorted(Comparator.naturalOrder(), keys, values, n);
            map.checkInvariants();
            assertThat(map.size()).isEqualTo(n);
            if (n > 0) {
                assertThat(map.get(2 * (n - 1))).isEqualTo("v" + (n - 1));
                assertThat(map.get(1)).isNull();
            }
        }
    }

    @Test
    void putOfTheSameValueReturnsTheSameMap() {
        PersistentSortedMap<Integer, String> map = PersistentSortedMap.<Integer, String>empty(Comparator.naturalOrder()).put(1, "a");
        String a = map.get(1);
        assertThat(map.put(1, a)).isSameAs(map);
        assertThat(map.remove(2)).isSameAs(map);
    }
}
