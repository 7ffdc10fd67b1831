package dev.converge.crdt;

import dev.converge.crdt.testkit.LatticeLawsTest;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;

class MVRegisterLawsTest extends LatticeLawsTest<MVRegister> {

    @Override
    protected TypeSpec<MVRegister> spec() {
        return Specs.mvRegister();
    }
}
