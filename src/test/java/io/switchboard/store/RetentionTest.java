package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.testing.Database;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows past their age go, recent rows stay, and a send still waiting for delivery is never deleted
 * however old it is; the deletions are counted. Ages of one day, a sweep every 200 ms.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionTest {

    private static final long DAY = Duration.ofDays(1).toMillis();

    @Parameter
    Database database;

    RunningSwitchboard switchboard;
    JdbcTemplate db;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        DatabaseLogin login = database.create();
        Map<String, String> settings = new HashMap<>(login.settings());
        settings.put("switchboard.retention.interval", "200");
        for (String table : new String[] {"processed-ids", "dead-letters", "xmpp-inbox", "xmpp-outbox"}) {
            settings.put("switchboard.retention." + table, "P1D");
        }
        switchboard = RunningSwitchboard.start(settings);
        db = new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        switchboard.close();
    }

    @Test
    void oldRowsGoRecentAndPendingOnesStay() throws Exception {
        long now = System.currentTimeMillis();
        long old = now - 2 * DAY;
        db.update("insert into CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) values ('t', 'old-id', ?)", new Timestamp(old));
        db.update("insert into CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) values ('t', 'new-id', ?)", new Timestamp(now));
        for (Object[] dl : new Object[][] {{"old-dl", old}, {"new-dl", now}}) {
            db.update("insert into dead_letters (id, system, reason, payload, created_at) values (?, 'test', 'r', '{}', ?)", dl);
        }
        for (Object[] in : new Object[][] {{900_001L, "old-in", old}, {900_002L, "new-in", now}}) {
            db.update("insert into xmpp_inbox (seq, message_id, sender, kind, priority, body, received_at) values (?, ?, 'a@x', 'chat', 'high', 'b', ?)", in);
        }
        for (Object[] out : new Object[][] {{900_001L, "old-delivered", "delivered", old}, {900_002L, "old-queued", "queued", old},
                {900_003L, "new-sent", "sent", now}}) {
            db.update("insert into xmpp_outbox (seq, message_id, recipient, kind, body, status, created_at) values (?, ?, 'a@x', 'chat', 'b', ?, ?)", out);
        }

        await().atMost(Duration.ofSeconds(10)).until(() ->
                count("select count(*) from CAMEL_MESSAGEPROCESSED where messageId = 'old-id'") == 0
                        && count("select count(*) from dead_letters where id = 'old-dl'") == 0
                        && count("select count(*) from xmpp_inbox where message_id = 'old-in'") == 0
                        && count("select count(*) from xmpp_outbox where message_id = 'old-delivered'") == 0);

        assertThat(count("select count(*) from CAMEL_MESSAGEPROCESSED where messageId = 'new-id'")).isOne();
        assertThat(count("select count(*) from dead_letters where id = 'new-dl'")).isOne();
        assertThat(count("select count(*) from xmpp_inbox where message_id = 'new-in'")).isOne();
        assertThat(count("select count(*) from xmpp_outbox where message_id in ('old-queued', 'new-sent')")).isEqualTo(2);

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(switchboard.uri("/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String table : new String[] {"CAMEL_MESSAGEPROCESSED", "dead_letters", "xmpp_inbox", "xmpp_outbox"}) {
            assertThat(metrics).containsPattern("switchboard_retention_deleted_total\\{[^}]*table=\"" + table + "\"[^}]*} [1-9]");
        }
    }

    private int count(String sql) {
        return db.queryForObject(sql, Integer.class);
    }
}
