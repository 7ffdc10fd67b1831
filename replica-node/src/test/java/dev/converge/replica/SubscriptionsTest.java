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

    /** An Error in the listener loses nothing else of the batch it broke: the rest, and the overflow count, still arrive. */
    @Test
    void aListenerErrorLosesNoOtherEventOfItsBatch() {
        List<String> seen = new ArrayList<>();
        long[] missed = new long[1];
        Subscriptions small = new Subscriptions(callbacks::add, 2);
        small.subscribe(Bytes.EMPTY, true, new ChangeListener() {
            @Override
            public void onChange(ChangeEvent e) {
                seen.add(e.key().asString());
                if (seen.size() == 1) {
                    throw new AssertionError("a bug in the listener");
                }
            }

            @Override
            public void onOverflow(long n) {
                missed[0] += n;
            }
        });
        small.publish(Bytes.of("a"), counter(1), true);
        small.publish(Bytes.of("b"), counter(1), true);
        small.publish(Bytes.of("c"), counter(1), true); // past the bound of 2: counted as missed
        assertThatThrownBy(this::runCallbacks).isInstanceOf(AssertionError.class);
        runCallbacks();
        assertThat(seen).containsExactly("a", "b");
        assertThat(missed[0]).isEqualTo(1);
    }

    /** An Error on the batch's last event still leaves the overflow to be told. */
    @Test
    void aListenerErrorOnTheLastEventStillTellsTheOverflow() {
        long[] missed = new long[1];
        int[] calls = new int[1];
        Subscriptions small = new Subscriptions(callbacks::add, 1);
        small.subscribe(Bytes.EMPTY, true, new ChangeListener() {
            @Override
            public void onChange(ChangeEvent e) {
                if (++calls[0] == 1) {
                    throw new AssertionError("a bug in the listener");
                }
            }

            @Override
            public void onOverflow(long n) {
                missed[0] += n;
            }
        });
        small.publish(Bytes.of("a"), counter(1), true);
        small.publish(Bytes.of("b"), counter(1), true); // past the bound of 1: missed
        assertThatThrownBy(this::runCallbacks).isInstanceOf(AssertionError.class);
        runCallbacks();
        assertThat(missed[0]).isEqualTo(1);
    }

    /** The cluster's own documents go to a prefix subscription only when its prefix is theirs. */
    @Test
    void anEmptyPrefixDoesNotReceiveTheClustersOwnDocuments() {
        List<String> everything = new ArrayList<>();
        List<String> system = new ArrayList<>();
        subscriptions.subscribe(Bytes.EMPTY, true, e -> everything.add(e.key().asString()));
        subscriptions.subscribe(Membership.SYSTEM_PREFIX, true, e -> system.add(e.key().asString()));
        subscriptions.publish(Membership.MEMBERS, counter(1), false);
        subscriptions.publish(Bytes.of("user"), counter(1), true);
        runCallbacks();
        assertThat(everything).containsExactly("user");
        assertThat(system).containsExactly(Membership.MEMBERS.asString());
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
