package dev.converge.replica;

/** A registered {@link ChangeListener}; closing it stops delivery. */
public interface Subscription extends AutoCloseable {

    @Override
    void close();
}
