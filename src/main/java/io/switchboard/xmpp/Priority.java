package io.switchboard.xmpp;

import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smackx.delay.packet.DelayInformation;

/** The seed's message priorities: what must reach the AI first, and what may be dropped first. */
public enum Priority {
    /** Historical data and bulk: delayed (offline, history) messages and headlines. */
    LOW,
    /** Group chat. */
    MEDIUM,
    /** Presence, direct messages, system messages (from the server itself). */
    HIGH;

    public static Priority of(Stanza stanza) {
        if (!(stanza instanceof Message m)) {
            return HIGH;
        }
        if (m.getType() == Message.Type.headline || m.hasExtension(DelayInformation.ELEMENT, DelayInformation.NAMESPACE)) {
            return LOW;
        }
        if (m.getType() == Message.Type.groupchat) {
            return MEDIUM;
        }
        return HIGH;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
