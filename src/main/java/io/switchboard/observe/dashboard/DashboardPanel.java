package io.switchboard.observe.dashboard;

import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;

/**
 * A system's panel on the operations page. A system adds one the way it adds its routes: a class
 * in its own package annotated {@code @BindToRegistry("<system>DashboardPanel")} (Camel Main's
 * package scan binds it), or any bean of this type in the registry. The page draws every panel
 * from the same few shapes (figures, queue bars, tables), so a new system needs no JavaScript.
 * The state strip at the top (connected, reconnecting, since when, last error) needs no panel at
 * all: it comes from {@link io.switchboard.observe.Systems#register}.
 */
public interface DashboardPanel {

    /** The panel's stable id (usually the system's name); actions are addressed to it. */
    String id();

    /** Where the panel sits: lower first. */
    default int order() {
        return 100;
    }

    /**
     * This second's view, or null when there is nothing to show (the system is off). Called once
     * per second on the dashboard's timer thread, never on the HTTP event loop, whatever the number
     * of open pages: it may ask a database, but briefly.
     *
     * @param showContent whether message bodies may appear (switchboard.dashboard.show-content)
     */
    Panel snapshot(CamelContext camel, boolean showContent);

    /**
     * Called every second whether or not a page is open: turn what changed since the last call
     * (counters, reconnects) into {@link RecentEvents}. In memory only, quick.
     */
    default void watch(CamelContext camel, RecentEvents events) {
    }

    /**
     * Runs an action a table row offers (e.g. the broker's dead-letter "replay"), behind the token,
     * off the event loop. The answer is shown to the operator as it is.
     */
    default Map<String, Object> act(CamelContext camel, String action, List<String> ids) {
        throw new IllegalArgumentException("no action " + action);
    }

    /** What a panel shows. {@code id} is stable (the page keeps the panel's place by it). */
    record Panel(String id, String title, String state, List<Figure> figures, List<Queue> queues, List<Table> tables) {
    }

    /** One labelled number or word. */
    record Figure(String label, Object value) {
    }

    /**
     * A bounded queue; capacity null when unbounded. The page's bar turns amber at 80 % and red at
     * 100 % of capacity.
     */
    record Queue(String name, long depth, Long capacity) {
    }

    /**
     * Rows of cells under named columns. When {@code action} is set, each row offers it as a button
     * with the row's first cell as the id; {@code actionLabel} is the button's text and
     * {@code confirm} the question asked before.
     */
    record Table(String title, List<String> columns, List<List<Object>> rows, String action, String actionLabel,
                 String confirm, String empty) {
        public static Table of(String title, List<String> columns, List<List<Object>> rows, String empty) {
            return new Table(title, columns, rows, null, null, null, empty);
        }
    }
}
