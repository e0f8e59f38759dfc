package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SanitizerTest {

    @Test
    void removesPathsSecretsAndAddresses() {
        String cleaned = Sanitizer.clean("open /var/lib/switchboard/data/x.db failed; password=hunter2 token: abc123 "
                + "connecting to 10.1.2.3:5222 and mqtt.internal:1883 via https://bob:pw@host.example/x");
        assertThat(cleaned).doesNotContain("/var/lib", "hunter2", "abc123", "10.1.2.3", "mqtt.internal:1883", "bob:pw");
        assertThat(cleaned).contains("failed", "[path]", "[redacted]", "[address]");
    }

    @Test
    void keepsOrdinaryMessagesReadable() {
        assertThat(Sanitizer.clean("No contact named Bob")).isEqualTo("No contact named Bob");
        assertThat(Sanitizer.clean("payload must be application/json")).isEqualTo("payload must be application/json");
    }

    @Test
    void dropsStackFramesAndBoundsTheLength() {
        assertThat(Sanitizer.clean("boom at io.switchboard.X.run(X.java:12)")).isEqualTo("boom");
        assertThat(Sanitizer.clean("x".repeat(2000))).hasSizeLessThan(600);
    }
}
