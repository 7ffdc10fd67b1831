package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class GCounterLawsTest extends LatticeLawsTest<GCounter> {

    @Override
    protected TypeSpec<GCounter> spec() {
        return Specs.gCounter();
    }
}
