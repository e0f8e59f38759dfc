package io.switchboard.mqtt;

import java.util.Map;

/**
 * One message as a subscription received it, detached from Paho and Camel so it can sit in a
 * queue or a collection: what mqtt_subscribe_and_collect shows about it, and when it arrived.
 */
public record Received(String topic, byte[] payload, int qos, boolean retain, Map<String, String> userProperties,
                       String responseTopic, byte[] correlationData, String contentType, long receivedAtMillis,
                       long receivedAtNanos) {
}
