package io.switchboard.store;

import io.switchboard.guard.Sanitizer;
import io.switchboard.observe.dashboard.DashboardPanel;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;

/** The database on the operations page: reachable or not, and its connection pool. */
@BindToRegistry("storeDashboardPanel")
public class StorePanel implements DashboardPanel {

    @Override
    public String id() {
        return "store";
    }

    @Override
    public int order() {
        return 90;
    }

    @Override
    public Panel snapshot(CamelContext camel, boolean showContent) {
        Store store = camel.getRegistry().lookupByNameAndType("store", Store.class);
        if (store == null) {
            return null;
        }
        Store.Probe p = store.probe();
        List<Figure> figures = new ArrayList<>(List.of(
                new Figure("database", p.database()),
                new Figure("pool in use", p.active() + " / " + p.max()),
                new Figure("pool idle", p.idle())));
        if (!p.up()) {
            figures.add(new Figure("error", Sanitizer.clean(p.error())));
        }
        return new Panel(id(), "Store", p.up() ? "connected" : "failed", figures, List.of(), List.of());
    }
}
