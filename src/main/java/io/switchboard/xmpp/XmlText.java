package io.switchboard.xmpp;

import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.util.List;

/**
 * Text that goes into an XMPP stanza must be a legal XML 1.0 character sequence: a control
 * character (other than tab, line feed, carriage return), a lone surrogate or U+FFFE/U+FFFF
 * makes the server close the whole stream (Prosody does), which would take every queued message
 * down with it. Such text is refused at the tool, before anything is queued.
 */
final class XmlText {

    private XmlText() {
    }

    /** {@code value} unchanged, or a validation_error naming the field and the first bad character. */
    static String require(String value, String field) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (!legal(cp)) { // a lone surrogate comes back as itself, outside every legal range
                throw new ToolException(ErrorCode.VALIDATION_ERROR,
                        field + " contains a character XMPP cannot carry (U+" + String.format("%04X", cp) + " at position " + i + ")",
                        List.of("Remove control characters; tab, line feed and carriage return are allowed"));
            }
            i += Character.charCount(cp);
        }
        return value;
    }

    private static boolean legal(int cp) {
        return cp == 0x9 || cp == 0xA || cp == 0xD
                || cp >= 0x20 && cp <= 0xD7FF
                || cp >= 0xE000 && cp <= 0xFFFD
                || cp >= 0x10000 && cp <= 0x10FFFF;
    }
}
