package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/** Delivery of change events to one subscriber, on a callback executor the test runs by hand. */
class SubscriptionsTest {

    private final Queue<Runnable> callbacks = new ArrayDeque<>();
    private final Subscriptions subscriptions = new Subscriptions(callbacks::add, 100);

    private static GCounter counter(long n) {
        return GCounter.empty().increment(ReplicaId.of(1), n).state();
    }

    private void runCallbacks() {
        while (!callbacks.isEmpty()) {
            callbacks.poll().run();
        }
    }

    @Test
    void aListenerThatThrowsAnErrorKeepsReceiving() {
        List<Long> seen = new ArrayList<>();
        subscriptions.subscribe(Bytes.of("k"), false, e -> {
            seen.add(((GCounter) e.state()).value());
            if (seen.size() == 1) {
                throw new AssertionError("a bug in the listener");
            }
        });
        subscriptions.publish(Bytes.of("k"), counter(1), true);
        assertThatThrownBy(this::runCallbacks).isInstanceOf(AssertionError.class);
        subscriptions.publish(Bytes.of("k"), counter(2), true);
        runCallbacks();
        assertThat(seen).containsExactly(1L, 2L);
    }

    @Test
    void coalescedEventsLeaveInTheOrderOfTheirLatestChanges() {
        List<String> seen = new ArrayList<>();
        subscriptions.subscribe(Bytes.EMPTY, true, e -> seen.add(e.key().asString() + "=" + ((GCounter) e.state()).value()));
        subscriptions.publish(Bytes.of("a"), counter(1), true);
        subscriptions.publish(Bytes.of("b"), counter(1), true);
        subscriptions.publish(Bytes.of("a"), counter(2), true);
        runCallbacks();
        assertThat(seen).containsExactly("b=1", "a=2");
    }
}
