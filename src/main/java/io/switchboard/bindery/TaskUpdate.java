package io.switchboard.bindery;

import java.util.Map;

/**
 * An update as the client sends it: the PUT, the read that follows it (the Rust backend saves
 * only title and status on PUT, so what was kept is read back, never assumed) and the fields
 * the caller asked for, to compare.
 */
public final class TaskUpdate {

    private final BackendCall put;
    private final BackendCall read;
    private final Map<String, Object> requested;

    TaskUpdate(BackendCall put, BackendCall read, Map<String, Object> requested) {
        this.put = put;
        this.read = read;
        this.requested = requested;
    }

    public BackendCall getPut() {
        return put;
    }

    public BackendCall getRead() {
        return read;
    }

    public Map<String, Object> getRequested() {
        return requested;
    }
}
