package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The register's field-by-field payload on the cases the generated scripts rarely reach. */
class RegisterPayloadTest {

    @Test
    void everyFieldAbsentOrPresentWritesTheGeneratedBytesAndRoundTrips() throws IOException, CodecException {
        ReplicaId writer = ReplicaId.of(0x8000_0000_0000_0001L);
        List<LWWRegister> registers = List.of(
                LWWRegister.empty(),
                LWWRegister.of(new HybridTimestamp(1_700_000_000_000L, 0, writer), Bytes.EMPTY),
                LWWRegister.of(new HybridTimestamp(1_700_000_000_000L, 65_535, writer), Bytes.of("v")),
                LWWRegister.of(new HybridTimestamp(0, 3, ReplicaId.of(1)), Bytes.wrap(new byte[300])),
                LWWRegister.deleted(new HybridTimestamp(5, 0, writer)));
        StateEncoding encoding = new StateEncoding();
        for (LWWRegister r : registers) {
            RegisterPayload payload = new RegisterPayload(r);
            byte[] written = new byte[payload.size()];
            CodedOutputStream out = CodedOutputStream.newInstance(written);
            payload.writeTo(out);
            out.checkNoSpaceLeft();
            assertThat(written).as("payload of %s", r).isEqualTo(encoding.toMessage(r).toByteArray());
            assertThat(CrdtCodec.decode(CrdtCodec.encode(r))).isEqualTo(r);
        }
    }
}
