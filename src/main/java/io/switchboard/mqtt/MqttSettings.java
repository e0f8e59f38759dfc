package io.switchboard.mqtt;

import java.time.Duration;

/** The switchboard.mqtt.* settings (application.properties). */
public record MqttSettings(int maxSessions, Duration sessionTtl, int minDurationSeconds, int maxDurationSeconds,
                           int maxMessages, int pruneTo, int maxTopics, int maxSchemaSamples, int maxPayloadBytes,
                           int queueSize, int connectTimeoutSeconds, int maxReconnectDelaySeconds, int sampleSeconds) {
}
