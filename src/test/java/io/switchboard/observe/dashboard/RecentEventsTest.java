package io.switchboard.observe.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring of recent events: bounded, newest kept, bodies only when the operator allowed them. */
class RecentEventsTest {

    @Test
    void keepsTheLastEventsOnlyInOrderEvenWhenManyThreadsAppend() throws Exception {
        RecentEvents events = new RecentEvents(200, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 1000; i++) {
                    events.add("mcp", "tool", "echo", "ok", 1.0, null);
                }
                done.countDown();
            });
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        List<RecentEvents.Event> all = events.since(0);
        assertThat(all).hasSize(200);
        assertThat(all.get(all.size() - 1).seq()).isEqualTo(4000);
        assertThat(all).isSortedAccordingTo((a, b) -> Long.compare(a.seq(), b.seq()));
        assertThat(events.since(3990)).hasSize(10);
    }

    @Test
    void messageBodiesAreNotEvenKeptUnlessContentIsAllowed() {
        List<Map<String, Object>> messages = List.of(Map.of("sender", "alice@localhost", "kind", "chat", "body", "my PIN is 1234"));
        RecentEvents hidden = new RecentEvents(10, false);
        hidden.incoming("xmpp", messages);
        assertThat(hidden.since(0)).singleElement().satisfies(e -> {
            assertThat(e.summary()).isEqualTo("chat from alice@localhost");
            assertThat(e.content()).isNull();
        });
        RecentEvents shown = new RecentEvents(10, true);
        shown.incoming("xmpp", messages);
        assertThat(shown.since(0).get(0).content()).isEqualTo("my PIN is 1234");
    }
}
