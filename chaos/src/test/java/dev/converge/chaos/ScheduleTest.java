package dev.converge.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schedule is a pure function of the seed, and every round injects every kind. */
class ScheduleTest {

    @Test
    void theSameSeedGivesTheSameSchedule() {
        for (long seed = 0; seed < 50; seed++) {
            Schedule a = Schedule.generate(seed, 5, 3, 60_000, true);
            Schedule b = Schedule.generate(seed, 5, 3, 60_000, true);
            assertThat(a.describe()).isEqualTo(b.describe());
            assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
        }
        assertThat(Schedule.generate(1, 3, 1, 45_000, false).describe()).isNotEqualTo(Schedule.generate(2, 3, 1, 45_000, false).describe());
    }

    @Test
    void everyRoundHasEveryKindInsideTheRound() {
        for (long seed = 0; seed < 300; seed++) {
            for (int nodes : new int[] {3, 4, 5, 9}) {
                long roundMillis = seed % 2 == 0 ? Schedule.MIN_ROUND_MILLIS : 60_000;
                Schedule s = Schedule.generate(seed, nodes, 2, roundMillis, true);
                for (Schedule.Round r : s.rounds) {
                    Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
                    for (Schedule.Fault f : r.network()) {
                        kinds.add(f.kind());
                        assertThat(f.atMillis() + f.forMillis()).isLessThanOrEqualTo(roundMillis);
                        assertThat(f.links()).isNotEmpty();
                        f.links().forEach(l -> assertThat(l.from()).isNotEqualTo(l.to()));
                    }
                    for (Schedule.Fault f : r.process()) {
                        kinds.add(f.kind());
                        assertThat(f.node()).isBetween(0, nodes - 1);
                        assertThat(f.atMillis()).isLessThan(roundMillis);
                    }
                    assertThat(kinds).containsAll(FaultKind.NETWORK).containsAll(FaultKind.PROCESS);
                }
            }
        }
    }

    @Test
    void processFaultsNeverOverlapInThePlan() {
        for (long seed = 0; seed < 200; seed++) {
            Schedule s = Schedule.generate(seed, 5, 1, 60_000, false);
            long free = 0;
            for (Schedule.Fault f : s.rounds.get(0).process()) {
                assertThat(f.atMillis()).isGreaterThanOrEqualTo(free);
                free = f.atMillis() + f.forMillis();
            }
        }
    }

    @Test
    void linkFaultsAvoidNodesAProcessFaultHoldsDown() {
        for (long seed = 0; seed < 200; seed++) {
            Schedule.Round r = Schedule.generate(seed, 5, 1, 60_000, false).rounds.get(0);
            for (Schedule.Fault net : r.network()) {
                if (net.kind().isPartition()) {
                    continue;
                }
                for (Schedule.Fault proc : r.process()) {
                    long end = proc.atMillis() + (proc.kind() == FaultKind.PAUSE ? proc.forMillis() : proc.forMillis() + 8_000);
                    boolean overlaps = proc.atMillis() <= net.atMillis() + net.forMillis() && end >= net.atMillis();
                    if (overlaps) {
                        net.links().forEach(l -> assertThat(Set.of(l.from(), l.to())).doesNotContain(proc.node()));
                    }
                }
            }
        }
    }

    @Test
    void membershipChangesOnlyBetweenRoundsOfALongRun() {
        assertThat(Schedule.generate(3, 5, 1, 60_000, true).rounds.get(0).between()).isNull();
        for (long seed = 1; seed <= 50; seed++) {
            Schedule s = Schedule.generate(seed, 5, 10, 60_000, true);
            assertThat(s.rounds.get(0).between()).isNull();
            assertThat(s.rounds.get(1).between().kind()).isEqualTo(FaultKind.LEAVE);
            assertThat(s.rounds.get(2).between().kind()).isEqualTo(FaultKind.WIPE);
            for (Schedule.Round r : s.rounds) {
                if (r.between() != null) {
                    assertThat(r.between().node()).isBetween(0, 4);
                    assertThat(r.between().round()).isEqualTo(r.number());
                }
            }
            assertThat(Schedule.generate(seed, 5, 10, 60_000, false).rounds).allMatch(r -> r.between() == null);
        }
    }

    @Test
    void refusesShapesItCannotFill() {
        assertThatThrownBy(() -> Schedule.generate(1, 2, 1, 60_000, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schedule.generate(1, 3, 1, 30_000, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
