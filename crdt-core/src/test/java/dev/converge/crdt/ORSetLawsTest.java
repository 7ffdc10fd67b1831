package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class ORSetLawsTest extends LatticeLawsTest<ORSet> {

    @Override
    protected TypeSpec<ORSet> spec() {
        return Specs.orSet();
    }
}
