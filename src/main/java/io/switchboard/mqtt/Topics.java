package io.switchboard.mqtt;

import io.switchboard.guard.ToolException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.CharBuffer;

/** MQTT 5 topic names and filters (spec 4.7): what the broker would refuse is refused here, clearly. */
final class Topics {

    private Topics() {
    }

    /** A topic to publish to: no wildcards, not empty, UTF-8 without NUL, at most 65,535 bytes. */
    static String name(String topic) {
        common(topic, "topic");
        if (topic.contains("+") || topic.contains("#")) {
            throw ToolException.validation("topic '" + topic + "' contains a wildcard (+ or #); publish to a concrete topic",
                    "Wildcards belong in subscription patterns, not in a published topic");
        }
        return topic;
    }

    /** A subscription filter: '+' fills a whole level, '#' only the whole last level. */
    static String filter(String filter, String argument) {
        common(filter, argument);
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                throw ToolException.validation(argument + " '" + filter + "': '#' must be the whole last level", "e.g. sensors/#");
            }
            if (level.contains("+") && !level.equals("+")) {
                throw ToolException.validation(argument + " '" + filter + "': '+' must fill a whole level", "e.g. sensors/+/temperature");
            }
        }
        return filter;
    }

    private static void common(String topic, String argument) {
        if (topic == null || topic.isEmpty()) {
            throw ToolException.validation(argument + " must not be empty");
        }
        if (topic.indexOf('\u0000') >= 0) {
            throw ToolException.validation(argument + " must not contain the NUL character");
        }
        int bytes;
        try {
            bytes = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(topic)).remaining();
        } catch (CharacterCodingException e) {
            throw ToolException.validation(argument + " is not valid UTF-8 (it has an unpaired surrogate)");
        }
        if (bytes > 65_535) {
            throw ToolException.validation(argument + " is " + bytes + " bytes long; MQTT allows at most 65535");
        }
    }
}
