package dev.converge.transport.netty;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import java.util.List;

/** Sync messages of a chosen size: a delta batch of one document whose key is {@code keyBytes} long. */
final class TestMessages {

    private TestMessages() {
    }

    static DeltaBatch withKeyOf(int keyBytes) {
        return new DeltaBatch(0, 1, List.of(new Document(Bytes.wrap(new byte[keyBytes]), GCounter.empty())), 0);
    }
}
