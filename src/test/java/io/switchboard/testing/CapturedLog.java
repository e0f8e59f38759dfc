package io.switchboard.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Everything logged in this JVM while open (messages and stack traces), to assert what an operator would read. */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final LoggerConfig root;

    private CapturedLog(LoggerConfig root) {
        super("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.root = root;
    }

    public static CapturedLog capture() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        CapturedLog log = new CapturedLog(configuration.getRootLogger());
        log.attach();
        return log;
    }

    private void attach() {
        start();
        // Whatever the configured levels let through, from every logger.
        root.addAppender(this, Level.ALL, null);
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(" ").append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            StringWriter trace = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        lines.add(line.toString());
    }

    public String text() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        root.removeAppender(getName());
        stop();
    }
}
