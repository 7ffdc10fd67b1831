package dev.converge.bench.transport;

/** One configuration under measurement: started, sampled for delivered messages, closed. */
interface Scenario extends AutoCloseable {

    /** Sets up the links and starts streaming. */
    void start() throws Exception;

    /** Messages delivered to the receivers so far, all links together. */
    long delivered();

    /** Stops streaming and releases every thread. */
    @Override
    void close();
}
