package io.switchboard.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance leads, who does, and who wants to know when that changes. Singletons
 * that are more than a route (an XMPP account's connection) follow it through {@link #onChange};
 * timer routes follow the same election through the {@code leaderOnly} route policy. With
 * {@code switchboard.cluster=none} this instance always leads.
 */
public final class Leadership extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final ClusterMode mode;
    private final String memberId;
    private final CamelClusterService service;
    private final String namespace;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final CamelClusterEventListener.Leadership viewListener = (view, leader) -> changed(view.getLocalMember().isLeader());
    private CamelClusterView view;
    private ExecutorService followers;
    private volatile boolean leading;

    Leadership(ClusterMode mode, String memberId, CamelClusterService service, String namespace) {
        this.mode = mode;
        this.memberId = memberId;
        this.service = service;
        this.namespace = namespace;
        this.leading = !mode.shared();
    }

    /** Several instances share the database and elect a leader. */
    public boolean shared() {
        return mode.shared();
    }

    public boolean leader() {
        return leading;
    }

    /** This instance, as the other instances and the operator see it (host:port, or the pod's name). */
    public String memberId() {
        return memberId;
    }

    /**
     * The leader's identity, when known: this instance when it leads; else what the election
     * says (Kubernetes knows the Lease holder; a file lock does not tell, so the leader leaves
     * its id in a note beside the lock, which may name a leader that just died until the next
     * one writes it).
     */
    public Optional<String> leaderId() {
        if (leading) {
            return Optional.of(memberId);
        }
        CamelClusterView v = view;
        if (v != null) {
            Optional<String> known = v.getLeader().map(CamelClusterMember::getId);
            if (known.isPresent()) {
                return known;
            }
        }
        Path note = note();
        if (note != null) {
            try {
                String id = Files.readString(note, StandardCharsets.UTF_8).trim();
                return id.isEmpty() ? Optional.empty() : Optional.of(id);
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Called with {@code true} when this instance becomes the leader and {@code false} when it
     * stops leading; at once with {@code true} if it leads already. Called on the election's
     * thread, one change at a time.
     */
    public synchronized void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
        if (leading) {
            listener.accept(true);
        }
    }

    /** Where listeners run (see {@link #changed}); bound to the context's life by the configuration. */
    void runListenersOn(ExecutorService executor) {
        this.followers = executor;
    }

    @Override
    protected void doStart() throws Exception {
        if (service != null) {
            view = service.getView(namespace);
            view.addEventListener(viewListener);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (view != null) {
            view.removeEventListener(viewListener);
            service.releaseView(view);
            view = null;
        }
        // Shutting down: what followed the leadership stops with the context itself; nothing to hand over.
        if (mode.shared()) {
            leading = false;
        }
    }

    private synchronized void changed(boolean nowLeading) {
        if (nowLeading == leading) {
            return;
        }
        leading = nowLeading;
        LOG.info("Cluster: {} {} the leader (namespace {})", memberId, nowLeading ? "is now" : "is no longer", namespace);
        if (nowLeading) {
            writeNote();
        }
        // Off the election's thread: a listener that takes seconds (connecting, queueing stored
        // sends) must not hold up the heartbeat that keeps this instance the leader. One thread:
        // the listeners see the changes in order.
        for (Consumer<Boolean> listener : listeners) {
            followers.execute(() -> {
                try {
                    listener.accept(nowLeading);
                } catch (RuntimeException e) {
                    LOG.warn("Cluster: a leadership listener failed: {}", e.toString());
                }
            });
        }
    }

    private Path note() {
        return mode.kind() == ClusterMode.Kind.FILE ? mode.lockFolder().resolve(namespace + ".leader-id") : null;
    }

    private void writeNote() {
        Path note = note();
        if (note == null) {
            return;
        }
        try {
            Path tmp = Files.createTempFile(mode.lockFolder(), namespace, ".tmp");
            Files.writeString(tmp, memberId, StandardCharsets.UTF_8);
            Files.move(tmp, note, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("Cluster: could not write the leader note {}: {}", note.getFileName(), e.toString());
        }
    }
}
