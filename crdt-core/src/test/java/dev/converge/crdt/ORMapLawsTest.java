package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class ORMapLawsTest extends LatticeLawsTest<ORMap> {

    @Override
    protected TypeSpec<ORMap> spec() {
        return Specs.orMap();
    }
}
