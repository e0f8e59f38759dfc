package io.switchboard.observe;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;

/** Where systems find the meter registry: Camel's, bound as "metricsRegistry" once metrics start. */
public final class Meters {

    private Meters() {
    }

    /**
     * The registry, looked up on each use: configuration classes build their beans before Camel's
     * metrics have bound it, and a lookup that finds nothing yet (null) means "not counting yet".
     */
    public static Supplier<MeterRegistry> registry(CamelContext camel) {
        return () -> camel.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
    }
}
