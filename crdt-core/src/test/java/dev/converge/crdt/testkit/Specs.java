package dev.converge.crdt.testkit;

import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;

/** The specification of every CRDT type, for generators and law tests. */
public final class Specs {

    private Specs() {
    }

    public static TypeSpec<GCounter> gCounter() {
        return new GCounterSpec();
    }

    public static TypeSpec<PNCounter> pnCounter() {
        return new PNCounterSpec();
    }

    public static TypeSpec<LWWRegister> lwwRegister() {
        return new LWWRegisterSpec();
    }

    public static TypeSpec<MVRegister> mvRegister() {
        return new MVRegisterSpec();
    }

    public static TypeSpec<ORSet> orSet() {
        return new ORSetSpec();
    }

    public static TypeSpec<EWFlag> ewFlag() {
        return new EWFlagSpec();
    }

    public static TypeSpec<ORMap> orMap() {
        return new ORMapSpec();
    }
}
