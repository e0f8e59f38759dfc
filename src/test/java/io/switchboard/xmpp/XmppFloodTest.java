package io.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** The seed's back-pressure under a flood from an independent XMPP client. */
class XmppFloodTest {

    static final int QUEUE = 50;
    static final int RESERVE = 100;
    static final int BULK = 5000;
    static final int DIRECT = 100;

    @Test
    void aFloodDropsOnlyBulkCountsEveryDropAndKeepsTheQueueBounded() throws Exception {
        try (ProsodyServer prosody = ProsodyServer.start("switchboard", "flood")) {
            Map<String, String> settings = XmppBridgeTest.account(prosody);
            settings.put("switchboard.xmpp.inbound-queue-size", Integer.toString(QUEUE));
            settings.put("switchboard.xmpp.priority-reserve", Integer.toString(RESERVE));
            // This flood is one sender: the per-sender limit is tested on its own below.
            settings.put("switchboard.xmpp.per-sender-rate", "0");
            try (RunningSwitchboard switchboard = RunningSwitchboard.start(settings);
                 XmppPeer flood = XmppPeer.login(prosody, "flood")) {
                InboundGate gate = switchboard.camel().getRegistry().lookupByNameAndType("xmppGate", InboundGate.class);
                AtomicInteger maxDepth = new AtomicInteger();
                AtomicBoolean sampling = new AtomicBoolean(true);
                Thread sampler = new Thread(() -> {
                    while (sampling.get()) {
                        maxDepth.accumulateAndGet(gate.depth(), Math::max);
                        Thread.onSpinWait();
                    }
                });
                sampler.start();
                // Bulk (headlines: low priority) with a direct message (high) every 50th.
                for (int i = 0; i < BULK; i++) {
                    flood.sendHeadline("switchboard@localhost", "bulk-" + i);
                    if (i % (BULK / DIRECT) == 0) {
                        flood.send("switchboard@localhost", "direct-" + (i / (BULK / DIRECT)));
                    }
                }
                JdbcTemplate db = new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class));
                // Every direct message reaches the inbox.
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        db.queryForObject("select count(*) from xmpp_inbox where priority = 'high'", Integer.class) == DIRECT);
                // Every bulk message is in the inbox or counted as dropped.
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        db.queryForObject("select count(*) from xmpp_inbox where priority = 'low'", Integer.class)
                                + dropped(gate, "LOW") == BULK);
                sampling.set(false);
                sampler.join();

                assertThat(dropped(gate, "LOW")).as("the flood exceeded the queue").isGreaterThan(0);
                assertThat(dropped(gate, "HIGH")).isZero();
                assertThat(dropped(gate, "MEDIUM")).isZero();
                assertThat(maxDepth.get()).as("bounded queue").isLessThanOrEqualTo(QUEUE + RESERVE);
                assertThat(db.queryForList("select body from xmpp_inbox where priority = 'high' order by seq", String.class))
                        .hasSize(DIRECT).allMatch(b -> b.startsWith("direct-"));

                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(switchboard.uri("/observe/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                long scraped = 0;
                Matcher m = Pattern.compile("switchboard_xmpp_inbound_dropped_total\\{([^}]*)\\} ([0-9.E]+)").matcher(metrics);
                while (m.find()) {
                    assertThat(m.group(1)).contains("priority=\"low\"");
                    scraped += (long) Double.parseDouble(m.group(2));
                }
                assertThat(scraped).isEqualTo(dropped(gate, "LOW"));
            }
        }
    }

    @Test
    void theAllowListAndThePerSenderRateLimit() throws Exception {
        try (ProsodyServer prosody = ProsodyServer.start("switchboard", "alice", "stranger")) {
            Map<String, String> settings = XmppBridgeTest.account(prosody);
            settings.put("switchboard.xmpp.allowed-senders", "alice@localhost");
            settings.put("switchboard.xmpp.per-sender-rate", "20");
            try (RunningSwitchboard switchboard = RunningSwitchboard.start(settings);
                 XmppPeer alice = XmppPeer.login(prosody, "alice");
                 XmppPeer stranger = XmppPeer.login(prosody, "stranger")) {
                InboundGate gate = switchboard.camel().getRegistry().lookupByNameAndType("xmppGate", InboundGate.class);
                JdbcTemplate db = new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class));
                stranger.send("switchboard@localhost", "let me in");
                for (int i = 0; i < 200; i++) {
                    alice.sendHeadline("switchboard@localhost", "bulk-" + i);
                }
                alice.send("switchboard@localhost", "a direct message is never rate limited");
                await().atMost(Duration.ofSeconds(20)).until(() -> db.queryForObject(
                        "select count(*) from xmpp_inbox where body = 'a direct message is never rate limited'", Integer.class) == 1);
                await().atMost(Duration.ofSeconds(20)).until(() -> gate.drops().getOrDefault("HIGH/sender_not_allowed", 0L) == 1);
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        db.queryForObject("select count(*) from xmpp_inbox where priority = 'low'", Integer.class)
                                + gate.drops().getOrDefault("LOW/sender_rate_limited", 0L) == 200);
                assertThat(gate.drops().get("LOW/sender_rate_limited")).isGreaterThan(100L);
                assertThat(db.queryForObject("select count(*) from xmpp_inbox where sender = 'stranger@localhost'", Integer.class)).isZero();
            }
        }
    }

    static long dropped(InboundGate gate, String priority) {
        return gate.drops().entrySet().stream().filter(e -> e.getKey().startsWith(priority + "/"))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
