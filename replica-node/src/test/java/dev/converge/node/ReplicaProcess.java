package dev.converge.node;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Hashing;
import dev.converge.replica.Replica;
import dev.converge.replica.ReplicaConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * A replica in a child JVM, for kill -9 tests. Arguments: data directory, peer endpoint, cluster
 * secret (hex), number of local writes. Prints {@code ACK <key>} once each local write is durable,
 * and every 50 ms {@code STATE <documents> <digest>} (the sum of document hashes).
 */
public final class ReplicaProcess {

    private ReplicaProcess() {
    }

    public static void main(String[] args) throws Exception {
        Replica replica = Replica.open(ReplicaConfig.builder()
                .dataDirectory(Path.of(args[0]))
                .peer(Endpoint.parse(args[1]))
                .clusterSecret(HexFormat.of().parseHex(args[2]))
                .build());
        int writes = Integer.parseInt(args[3]);
        for (int i = 0; i < writes; i++) {
            String key = "child-" + i;
            replica.counter(key).add(i + 1).thenRun(() -> System.out.println("ACK " + key));
        }
        while (true) {
            System.out.println("STATE " + replica.documentCount() + " " + Long.toHexString(digest(replica)));
            System.out.flush();
            Thread.sleep(50);
        }
    }

    /** The sum of every document's hash: equal on two replicas exactly when their states are. */
    static long digest(Replica replica) {
        long sum = 0;
        Bytes from = null;
        while (true) {
            List<Bytes> keys = replica.keys(from, 1_000);
            for (Bytes key : keys) {
                if (from == null || !key.equals(from)) {
                    sum += Hashing.documentHash(key, CrdtCodec.encode(replica.read(key).orElseThrow()));
                }
            }
            if (keys.size() < 1_000) {
                return sum;
            }
            from = keys.get(keys.size() - 1);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
