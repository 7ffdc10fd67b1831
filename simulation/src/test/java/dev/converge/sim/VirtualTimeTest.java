package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.replica.EventLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event queue: (time, sequence) order, owners that die with their tasks, cancellation, a runaway limit. */
class VirtualTimeTest {

    @Test
    void tasksRunInTimeOrderThenInTheOrderTheyWereScheduled() {
        VirtualTime time = new VirtualTime();
        List<String> ran = new ArrayList<>();
        time.schedule(5, VirtualTime.ALWAYS, () -> ran.add("b@5"));
        time.schedule(1, VirtualTime.ALWAYS, () -> ran.add("a@1"));
        time.schedule(5, VirtualTime.ALWAYS, () -> ran.add("c@5"));
        time.schedule(0, VirtualTime.ALWAYS, () -> time.schedule(0, VirtualTime.ALWAYS, () -> ran.add("nested@0")));
        time.runUntil(VirtualTime.EPOCH_MILLIS + 10);
        assertThat(ran).containsExactly("nested@0", "a@1", "b@5", "c@5");
        assertThat(time.elapsed()).isEqualTo(10);
    }

    @Test
    void timeAdvancesOnlyToTheTaskBeingRun() {
        VirtualTime time = new VirtualTime();
        List<Long> seen = new ArrayList<>();
        time.schedule(7, VirtualTime.ALWAYS, () -> seen.add(time.elapsed()));
        time.schedule(3, VirtualTime.ALWAYS, () -> seen.add(time.elapsed()));
        time.runFor(5);
        assertThat(seen).containsExactly(3L);
        assertThat(time.elapsed()).isEqualTo(5);
        time.runFor(5);
        assertThat(seen).containsExactly(3L, 7L);
    }

    @Test
    void aDeadOwnersTasksNeverRunAndCancelledOnesNeither() {
        VirtualTime time = new VirtualTime();
        boolean[] alive = {true};
        List<String> ran = new ArrayList<>();
        EventLoop loop = time.loop(() -> alive[0]);
        loop.execute(() -> ran.add("before"));
        loop.schedule(10, () -> ran.add("timer"));
        EventLoop.Cancellable cancelled = time.schedule(1, VirtualTime.ALWAYS, () -> ran.add("cancelled"));
        time.executor(() -> alive[0]).execute(() -> ran.add("callback"));
        cancelled.cancel();
        time.runFor(2);
        alive[0] = false;
        time.runFor(20);
        assertThat(ran).containsExactly("before", "callback");
        assertThat(time.executed()).isEqualTo(2);
    }

    @Test
    void aRunawayLoopFailsInsteadOfHanging() {
        VirtualTime time = new VirtualTime();
        time.taskLimit(1_000);
        Runnable[] again = new Runnable[1];
        again[0] = () -> time.schedule(0, VirtualTime.ALWAYS, again[0]);
        time.schedule(0, VirtualTime.ALWAYS, again[0]);
        assertThatThrownBy(() -> time.runFor(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("runaway");
    }
}
