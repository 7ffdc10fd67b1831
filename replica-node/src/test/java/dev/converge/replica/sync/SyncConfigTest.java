package dev.converge.replica.sync;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A bad limit is refused naming the limit and the value given. */
class SyncConfigTest {

    @Test
    void aBadLimitIsNamedWithItsValue() {
        assertThatThrownBy(() -> SyncConfig.defaults().withMaxBatchBytes(512))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("invalid sync configuration: maxBatchBytes must be at least 1024, got 512");
        assertThatThrownBy(() -> SyncConfig.defaults().withGossipIntervalMillis(0))
                .hasMessageContaining("gossipIntervalMillis must be at least 1, got 0");
        assertThatThrownBy(() -> SyncConfig.defaults().withAckDelayMillis(1_000_000))
                .hasMessageContaining("ackDelayMillis 1000000 must be below retransmitAfterMillis");
    }
}
