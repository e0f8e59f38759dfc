package io.switchboard.xmpp;

import io.switchboard.guard.Sanitizer;
import io.switchboard.observe.dashboard.DashboardPanel;
import java.util.List;
import java.util.Locale;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;

/** The XMPP bridge on the operations page: the account's link, the inbound gate and its queue. */
@BindToRegistry("xmppDashboardPanel")
public class XmppPanel implements DashboardPanel {

    @Override
    public String id() {
        return "xmpp";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public Panel snapshot(CamelContext camel, boolean showContent) {
        XmppSettings settings = camel.getRegistry().lookupByNameAndType("xmppSettings", XmppSettings.class);
        if (settings == null || !settings.configured()) {
            return null;
        }
        XmppLink link = camel.getRegistry().lookupByNameAndType("xmppLink", XmppLink.class);
        InboundGate gate = camel.getRegistry().lookupByNameAndType("xmppGate", InboundGate.class);
        String state = link == null ? "off" : link.state().name().toLowerCase(Locale.ROOT);
        List<Figure> figures = List.of(
                new Figure("account", link == null ? "" : link.jid()),
                new Figure("link", state),
                new Figure("detail", link == null ? "" : Sanitizer.clean(link.detail())),
                new Figure("inbound breaker", gate == null ? "" : gate.breakerState()),
                new Figure("inbound load", gate == null ? 0 : Math.round(gate.load() * 100) + " %"));
        List<Queue> queues = gate == null ? List.of()
                : List.of(new Queue("seda:xmpp-in", gate.depth(), (long) settings.inboundQueueSize()));
        return new Panel(id(), "XMPP", state, figures, queues, List.of());
    }
}
