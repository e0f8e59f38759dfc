package io.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.PriorityBlockingQueue;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.jivesoftware.smack.packet.Message;
import org.jxmpp.jid.impl.JidCreate;
import org.junit.jupiter.api.Test;

/** The seed's flow control, rule by rule, on the gate's own queue (nothing drains it here). */
class InboundGateTest {

    static Message message(Message.Type type, String body) throws Exception {
        Message m = new Message(JidCreate.from("switchboard@localhost"), type);
        m.setFrom(JidCreate.from("peer@localhost/x"));
        m.setBody(body);
        return m;
    }

    @Test
    void thresholdsThenFifoDropOfTheOldestBulkThenTheReserveForHighPriority() throws Exception {
        PriorityBlockingQueue<Exchange> queue = new PriorityBlockingQueue<>(16, InboundGate.ORDER);
        XmppSettings settings = XmppSettings.from(key -> switch (key) {
            case "switchboard.xmpp.inbound-queue-size" -> "10";
            case "switchboard.xmpp.priority-reserve" -> "2";
            case "switchboard.xmpp.per-sender-rate" -> "0";
            case "switchboard.xmpp.port", "switchboard.xmpp.outbound-queue-size", "switchboard.xmpp.send-rate",
                 "switchboard.xmpp.max-body-chars" -> "1";
            case "switchboard.xmpp.connect-timeout", "switchboard.xmpp.backoff-initial", "switchboard.xmpp.backoff-max" -> "PT1S";
            default -> "";
        });
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("q", queue);
            camel.start();
            InboundGate gate = new InboundGate(queue, settings, () -> null);
            gate.bindTo(camel.createProducerTemplate(), camel.getEndpoint("seda:gate-test?queue=#q"));

            // Below 0.7 everything enters: 7 bulk messages (load 0.0 .. 0.6).
            for (int i = 0; i < 7; i++) {
                assertThat(gate.offer(message(Message.Type.headline, "bulk-" + i), "peer@localhost")).isTrue();
            }
            // At 0.7: bulk is shed, group chat still enters (0.7, 0.8), not at 0.9.
            assertThat(gate.offer(message(Message.Type.headline, "bulk-7"), "peer@localhost")).isFalse();
            assertThat(gate.offer(message(Message.Type.groupchat, "room-0"), "peer@localhost")).isTrue();
            assertThat(gate.offer(message(Message.Type.groupchat, "room-1"), "peer@localhost")).isTrue();
            assertThat(gate.offer(message(Message.Type.groupchat, "room-2"), "peer@localhost")).isFalse();
            // At 0.9 only high priority: it fills the queue.
            assertThat(gate.offer(message(Message.Type.chat, "direct-0"), "peer@localhost")).isTrue();
            assertThat(gate.depth()).isEqualTo(10);
            // Full: each direct message pushes out the oldest bulk one, FIFO.
            for (int i = 1; i <= 7; i++) {
                assertThat(gate.offer(message(Message.Type.chat, "direct-" + i), "peer@localhost")).isTrue();
                assertThat(gate.depth()).isEqualTo(10);
            }
            // No bulk left: high priority uses the reserve (2), then it too is refused.
            assertThat(gate.offer(message(Message.Type.chat, "direct-8"), "peer@localhost")).isTrue();
            assertThat(gate.offer(message(Message.Type.chat, "direct-9"), "peer@localhost")).isTrue();
            assertThat(gate.offer(message(Message.Type.chat, "direct-10"), "peer@localhost")).isFalse();
            assertThat(gate.depth()).isEqualTo(12);

            assertThat(gate.drops()).isEqualTo(Map.of(
                    "LOW/load_shed_medium_and_up", 1L,
                    "MEDIUM/load_shed_high_only", 1L,
                    "LOW/evicted_oldest_low", 7L,
                    "HIGH/queue_full", 1L));
            // What is left comes out highest priority first, each in arrival order.
            List<String> order = gate.drain(100).stream()
                    .map(e -> e.getMessage().getBody(Message.class).getBody()).toList();
            assertThat(order).containsExactly("direct-0", "direct-1", "direct-2", "direct-3", "direct-4", "direct-5",
                    "direct-6", "direct-7", "direct-8", "direct-9", "room-0", "room-1");
        }
    }
}
