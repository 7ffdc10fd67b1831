package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class whose code leaked a {@code ByteBuf}: surefire runs with Netty's paranoid
 * detector, which logs "LEAK:" when a tracked buffer is collected unreleased. Collects garbage,
 * then allocates, because the detector reports on the next tracked allocation.
 */
final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LogCapture.get(); // attach the appender before anything can leak
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks();
    }

    static void assertNoLeaks() {
        assertThat(ResourceLeakDetector.getLevel()).as("surefire sets -Dio.netty.leakDetection.level=paranoid")
                .isEqualTo(ResourceLeakDetector.Level.PARANOID);
        for (int round = 0; round < 3; round++) {
            System.gc();
            Waits.sleep(50);
            for (int i = 0; i < 64; i++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                a.release();
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                b.release();
            }
        }
        assertThat(LogCapture.get().leaks()).as("ByteBuf leaks reported by Netty").isEmpty();
    }
}
