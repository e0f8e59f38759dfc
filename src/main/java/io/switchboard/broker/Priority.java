package io.switchboard.broker;

import io.switchboard.guard.ToolException;
import java.util.Locale;

/** Delivery priority: a recipient's queue drains urgent first, low last, FIFO within one. */
public enum Priority {
    LOW, NORMAL, HIGH, URGENT;

    public int rank() {
        return ordinal();
    }

    public static Priority parse(Object value) {
        if (value == null) {
            return NORMAL;
        }
        try {
            return valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ToolException.validation("priority must be one of low, normal, high, urgent", "Use priority: normal");
        }
    }

    public static Priority ofRank(int rank) {
        return values()[Math.max(0, Math.min(rank, values().length - 1))];
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
