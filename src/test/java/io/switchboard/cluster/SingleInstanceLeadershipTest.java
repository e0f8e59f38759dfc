package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * One instance with an election configured: until it has won, its singleton timers do not run;
 * once it leads, they do, and it says so. The two-instance behaviour is ClusterFailoverIT's.
 */
class SingleInstanceLeadershipTest {

    static final List<String> SINGLETONS = List.of("broker-session-sweep", "broker-expiry", "store-retention",
            "xmpp-retention", "xmpp-outbox-pickup");

    @Test
    void aLoneMemberElectsItselfAndRunsTheSingletons() throws Exception {
        Path lock = Files.createTempDirectory("switchboard-lock");
        try (RunningSwitchboard sb = RunningSwitchboard.start(Map.of(
                "switchboard.cluster", "file:" + lock,
                "switchboard.cluster.member-id", "solo"))) {
            Awaitility.await("elected").atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                for (String route : SINGLETONS) {
                    assertThat(sb.camel().getRouteController().getRouteStatus(route)).as(route).isEqualTo(ServiceStatus.Started);
                }
            });
            assertThat(Files.readString(lock.resolve("switchboard.leader-id"))).isEqualTo("solo");
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sb.uri("/observe/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("switchboard_cluster_leader 1.0");
            String health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sb.uri("/observe/health?data=true")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(health).contains("system-cluster").contains("solo leads");
        }
    }

    @Test
    void withoutAnElectionEverythingRunsAsBefore() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(Map.of())) {
            for (String route : SINGLETONS) {
                assertThat(sb.camel().getRouteController().getRouteStatus(route)).as(route).isEqualTo(ServiceStatus.Started);
            }
            String health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sb.uri("/observe/health?data=true")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(health).doesNotContain("system-cluster");
        }
    }
}
