package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class EWFlagLawsTest extends LatticeLawsTest<EWFlag> {

    @Override
    protected TypeSpec<EWFlag> spec() {
        return Specs.ewFlag();
    }
}
