package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Every log event of the test JVM (bounded), so tests can assert the reasons the transport logs. */
final class LogCapture extends AppenderBase<ILoggingEvent> {

    private static final int MAX_EVENTS = 50_000;
    private static final LogCapture INSTANCE = install();

    private final ConcurrentLinkedDeque<ILoggingEvent> events = new ConcurrentLinkedDeque<>();
    /** The deque's size, kept here: {@code ConcurrentLinkedDeque.size()} walks the whole deque. */
    private final AtomicInteger size = new AtomicInteger();

    private static LogCapture install() {
        LogCapture capture = new LogCapture();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        capture.setContext(root.getLoggerContext());
        capture.setName("test-capture");
        capture.start();
        root.addAppender(capture);
        return capture;
    }

    static LogCapture get() {
        return INSTANCE;
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
        if (size.incrementAndGet() > MAX_EVENTS && events.pollFirst() != null) {
            size.decrementAndGet();
        }
    }

    List<String> messages(Predicate<ILoggingEvent> filter) {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events) {
            if (filter.test(e)) {
                out.add(e.getLevel() + " " + e.getFormattedMessage());
            }
        }
        return out;
    }

    List<String> messages() {
        return messages(e -> true);
    }

    /** Leak reports of Netty's paranoid detector. */
    List<String> leaks() {
        return messages(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) && e.getFormattedMessage().contains("LEAK"));
    }

    boolean contains(String... fragments) {
        return events.stream().anyMatch(e -> matches(e.getFormattedMessage(), fragments));
    }

    private static boolean matches(String message, String... fragments) {
        for (String f : fragments) {
            if (!message.contains(f)) {
                return false;
            }
        }
        return true;
    }

    /** Waits until a message containing every fragment has been logged. */
    void await(Duration timeout, String... fragments) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!contains(fragments) && System.nanoTime() < end) {
            Waits.sleep(10);
        }
        assertThat(contains(fragments)).as("a log message containing %s; logged:%n%s", List.of(fragments),
                String.join("\n", tail(40))).isTrue();
    }

    List<String> tail(int n) {
        List<String> all = messages();
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    void clear() {
        while (events.pollFirst() != null) {
            size.decrementAndGet();
        }
    }
}
