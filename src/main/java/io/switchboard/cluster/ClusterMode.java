package io.switchboard.cluster;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How instances elect the one that runs singletons (timers that sweep shared tables, an XMPP
 * account's connection), from {@code switchboard.cluster} (env SWITCHBOARD_CLUSTER):
 * {@code none} (one instance: it leads), {@code file:<dir>} (instances on one host share a lock
 * folder) or {@code kubernetes} (a Lease in the pod's namespace).
 */
public record ClusterMode(Kind kind, Path lockFolder) {

    public enum Kind { NONE, FILE, KUBERNETES }

    public static ClusterMode parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.isEmpty() || v.equalsIgnoreCase("none")) {
            return new ClusterMode(Kind.NONE, null);
        }
        if (v.toLowerCase(Locale.ROOT).startsWith("file:")) {
            String dir = v.substring("file:".length()).trim();
            if (dir.isEmpty()) {
                throw new IllegalArgumentException("switchboard.cluster=file: needs a folder, e.g. file:/var/lib/switchboard/cluster");
            }
            return new ClusterMode(Kind.FILE, Path.of(dir));
        }
        if (v.equalsIgnoreCase("kubernetes")) {
            return new ClusterMode(Kind.KUBERNETES, null);
        }
        throw new IllegalArgumentException("switchboard.cluster must be none, file:<folder> or kubernetes, not '" + v + "'");
    }

    public boolean shared() {
        return kind != Kind.NONE;
    }
}
