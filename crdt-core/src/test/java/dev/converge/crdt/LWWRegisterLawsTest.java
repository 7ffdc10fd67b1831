package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class LWWRegisterLawsTest extends LatticeLawsTest<LWWRegister> {

    @Override
    protected TypeSpec<LWWRegister> spec() {
        return Specs.lwwRegister();
    }
}
