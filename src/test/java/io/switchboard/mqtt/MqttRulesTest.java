package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.guard.ToolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules that need no broker: connection strings, topic names and filters, pruning. */
class MqttRulesTest {

    @Test
    void connectionStringsKeepTheirCredentialsToThemselves() {
        ConnectionString c = ConnectionString.parse("mqtts://dev%40home:p%3As+w@broker.local:8884/pump-7");
        assertThat(c.tls()).isTrue();
        assertThat(c.serverUri()).isEqualTo("ssl://broker.local:8884");
        assertThat(c.username()).isEqualTo("dev@home");
        assertThat(new String(c.password())).isEqualTo("p:s+w");
        assertThat(c.clientId()).isEqualTo("pump-7");
        assertThat(c.toString()).doesNotContain("dev@home").doesNotContain("p:s+w").contains("***@broker.local:8884");
        ConnectionString plain = ConnectionString.parse("mqtt://127.0.0.1");
        assertThat(plain.port()).isEqualTo(1883);
        assertThat(plain.serverUri()).isEqualTo("tcp://127.0.0.1:1883");
        assertThat(plain.clientId()).startsWith("switchboard-");
        assertThat(ConnectionString.parse("mqtts://h").port()).isEqualTo(8883);
        assertThatThrownBy(() -> ConnectionString.parse("tcp://h:1883")).isInstanceOf(ToolException.class);
        assertThatThrownBy(() -> ConnectionString.parse("mqtt://user:sec ret@h:1883"))
                .isInstanceOf(ToolException.class).hasMessageNotContaining("sec ret");
    }

    @Test
    void topicNamesAndFilters() {
        assertThat(Topics.name("a/b/c")).isEqualTo("a/b/c");
        assertThatThrownBy(() -> Topics.name("a/+/c")).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> Topics.name("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Topics.name("a\u0000b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> Topics.name("bad\uD800")).hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> Topics.name("x".repeat(65_536))).hasMessageContaining("65535");
        assertThat(Topics.filter("a/+/c/#", "f")).isEqualTo("a/+/c/#");
        assertThat(Topics.filter("#", "f")).isEqualTo("#");
        assertThatThrownBy(() -> Topics.filter("a/#/c", "f")).hasMessageContaining("'#'");
        assertThatThrownBy(() -> Topics.filter("a/b#", "f")).hasMessageContaining("'#'");
        assertThatThrownBy(() -> Topics.filter("a/b+/c", "f")).hasMessageContaining("'+'");
    }

    @Test
    void pruningKeepsFirstLastErrorsAndEveryTopicInOrder() {
        List<Received> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String topic = i % 100 == 7 ? "t/rare" + i : "t/busy";
            String payload = i == 250 ? "{\"status\":\"failed\"}" : i == 420 ? "Exception in sensor loop" : "{\"i\":" + i + "}";
            all.add(new Received(topic, payload.getBytes(StandardCharsets.UTF_8), 0, false, Map.of(), null, null, null, i, i));
        }
        List<Received> kept = Pruning.prune(all, 50);
        assertThat(kept).hasSize(50);
        assertThat(kept.get(0)).isSameAs(all.get(0));
        assertThat(kept.get(49)).isSameAs(all.get(499));
        assertThat(kept).contains(all.get(250), all.get(420), all.get(7), all.get(107), all.get(207), all.get(307), all.get(407));
        assertThat(kept.stream().mapToLong(Received::receivedAtMillis).toArray()).isSorted();
        assertThat(Pruning.prune(all.subList(0, 50), 50)).hasSize(50);
    }
}
