package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A client's protocol pipeline as the server builds it ({@link RedisServer#addDecoders}), fed inline lines ended by a bare LF. */
class BareLineFeedsTest {

    private final AtomicLong budget = new AtomicLong();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        RedisServer.addDecoders(ch.pipeline(), RedisLimits.defaults(), budget, () -> true);
        return ch;
    }

    /** What the pipeline made of the chunks: each request's arguments, or the protocol error's text. */
    private static List<String> feed(EmbeddedChannel ch, String... chunks) {
        for (String c : chunks) {
            ch.writeInbound(Unpooled.copiedBuffer(c, StandardCharsets.ISO_8859_1));
        }
        List<String> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            if (m instanceof RedisRequest r) {
                List<String> args = new ArrayList<>();
                for (byte[] a : r.args()) {
                    args.add(new String(a, StandardCharsets.ISO_8859_1));
                }
                out.add(String.join(" ", args));
            } else {
                out.add("error: " + ((RequestAssembler.ProtocolError) m).message());
            }
        }
        return out;
    }

    @Test
    void inlineLinesEndedByABareLineFeedAreCommandsAsWithCrLf() {
        EmbeddedChannel ch = channel();
        assertThat(feed(ch, "PING\n")).containsExactly("PING");
        assertThat(feed(ch, "SET k \"a b\"\nGET k\n\nEXISTS k\r\n")).containsExactly("SET k a b", "GET k", "EXISTS k");
        // Split anywhere: a CR ending one read and its LF starting the next is one CRLF, not a CR too many.
        assertThat(feed(ch, "ECHO x\r", "\nECHO y", "\n", "ECHO z\n")).containsExactly("ECHO x", "ECHO y", "ECHO z");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void fromTheFirstRespArrayOnBytesPassUntouchedSoBulkStringsKeepTheirLineFeeds() {
        EmbeddedChannel ch = channel();
        assertThat(feed(ch, "PING\n*2\r\n$4\r\nECHO\r\n$3\r\na\nb\r\n")).containsExactly("PING", "ECHO a\nb");
        assertThat(ch.pipeline().get(BareLineFeeds.class)).isNull();
        assertThat(feed(ch, "*2\r\n$4\r\nECHO\r\n$4\r\n\n\n\n\n\r\n")).containsExactly("ECHO \n\n\n\n");
        // After RESP, an inline line needs CRLF again (as documented): a bare LF is Netty's protocol
        // error, which the connection answers with -ERR Protocol error and closes.
        assertThat(feed(ch, "PING\r\n")).containsExactly("PING");
        assertThatThrownBy(() -> feed(ch, "PING\n")).isInstanceOf(DecoderException.class).hasMessageContaining("expected: \\r\\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void aRespClientLosesTheHandlerAtItsFirstByte() {
        EmbeddedChannel ch = channel();
        assertThat(feed(ch, "*1\r\n$4\r\nPING\r\n")).containsExactly("PING");
        assertThat(ch.pipeline().get(BareLineFeeds.class)).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
