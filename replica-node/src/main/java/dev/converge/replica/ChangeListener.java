package dev.converge.replica;

/**
 * Receives change events, one at a time, off the engine thread. Changes to one key that queue up
 * before delivery are coalesced into the latest state. When more keys change than the
 * subscriber's buffer holds, {@link #onOverflow} says how many events were not delivered, so the
 * subscriber can re-read instead of silently missing them.
 */
@FunctionalInterface
public interface ChangeListener {

    void onChange(ChangeEvent event);

    /** {@code missed} changes were not delivered because the buffer was full. */
    default void onOverflow(long missed) {
    }
}
