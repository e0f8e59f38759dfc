package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.testing.RunningSwitchboard;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bound beyond loopback with no token, anyone who reaches the port could use every tool. */
class AnonymousBindingTest {

    @Test
    void refusesToListenBeyondLoopbackWithoutTokens() {
        assertThatThrownBy(() -> RunningSwitchboard.start(Map.of("switchboard.host", "0.0.0.0")))
                .hasStackTraceContaining("Refusing to listen on 0.0.0.0 without SWITCHBOARD_MCP_TOKENS");
    }

    @Test
    void startsBeyondLoopbackWhenAnonymousIsExplicitlyAllowed() throws Exception {
        try (RunningSwitchboard sb = RunningSwitchboard.start(Map.of("switchboard.host", "0.0.0.0",
                "switchboard.allow.anonymous", "true"))) {
            assertThat(sb.port()).isPositive();
        }
    }
}
