package dev.converge.crdt.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommitTest {

    private static final ReplicaId SELF = ReplicaId.of(1);

    private static Change change(String key, long n) {
        GCounter state = GCounter.empty().increment(SELF, n).state();
        return new Change(Bytes.of(key), state, state);
    }

    @Test
    void aKeyChangedTwiceInOneCommitIsRefused() {
        assertThatThrownBy(() -> Commit.of(SELF, List.of(change("a", 1), change("b", 1), change("a", 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a' changes twice");
    }

    @Test
    void distinctKeysAndSingleChangesAreTaken() {
        assertThat(Commit.of(SELF, List.of(change("a", 1), change("b", 1))).changes()).hasSize(2);
        assertThat(Commit.of(SELF, List.of(change("a", 1))).changes()).hasSize(1);
        assertThat(Commit.of(SELF, List.of()).changes()).isEmpty();
    }

    @Test
    void aNegativeAckIsRefused() {
        assertThatThrownBy(() -> new Commit(SELF, List.of(), Map.of(ReplicaId.of(2), -1L), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative ack");
    }
}
