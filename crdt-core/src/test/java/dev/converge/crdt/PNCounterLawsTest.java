package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class PNCounterLawsTest extends LatticeLawsTest<PNCounter> {

    @Override
    protected TypeSpec<PNCounter> spec() {
        return Specs.pnCounter();
    }
}
