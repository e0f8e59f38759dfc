package io.switchboard.xmpp;

import io.github.resilience4j.core.IntervalFunction;
import io.switchboard.observe.Systems;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPConnection;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.MessageWithBodiesFilter;
import org.jivesoftware.smack.filter.NotFilter;
import org.jivesoftware.smack.filter.MessageTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.roster.RosterListener;
import org.jivesoftware.smack.roster.SubscribeListener;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.sm.predicates.ForEveryMessage;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.receipts.DeliveryReceiptManager;
import org.jivesoftware.smackx.receipts.DeliveryReceiptRequest;
import org.jivesoftware.smackx.sid.element.OriginIdElement;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's one XMPP session (Smack, as camel-xmpp brings it): presence, roster, rooms, receipts
 * and sends share it, because they are one identity on the server. It connects in the background,
 * reconnects with exponential backoff and jitter, and reports its state to ping and health. It
 * never sends while unconnected: a send fails, the outbound route waits and tries again.
 */
public final class XmppLink implements ConnectionListener {

    private static final Logger LOG = LoggerFactory.getLogger(XmppLink.class);

    private final XmppSettings settings;
    private final ScheduledExecutorService scheduler;
    private final IntervalFunction backoff;
    private final AtomicInteger attempt = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean reconnectPending = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();
    private final Map<EntityBareJid, String> rooms = new ConcurrentHashMap<>();
    private volatile Systems.State state = Systems.State.DISCONNECTED;
    private volatile String detail = "not started";
    private volatile boolean stopping;
    private volatile Presence currentPresence = new Presence(Presence.Type.available);
    private volatile boolean everConnected;
    private XMPPTCPConnection connection;

    private Consumer<Message> onMessage = m -> { };
    private Consumer<Presence> onPresence = p -> { };
    private BiConsumer<String, String> onReceipt = (from, id) -> { };
    private Runnable onConnected = () -> { };
    private Supplier<Map<String, String>> storedRooms = Map::of;

    public XmppLink(XmppSettings settings, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(
                settings.backoffInitial().toMillis(), 2.0, 0.5, settings.backoffMax().toMillis());
    }

    /** Where inbound stanzas go (the back-pressure gate), receipts, and what runs after each login. */
    public void wire(Consumer<Message> messages, Consumer<Presence> presences, BiConsumer<String, String> receipts,
                     Runnable connected, Supplier<Map<String, String>> roomsToJoin) {
        this.onMessage = messages;
        this.onPresence = presences;
        this.onReceipt = receipts;
        this.onConnected = connected;
        this.storedRooms = roomsToJoin;
    }

    /** Connects (again, after {@link #standby}): a new session, since Smack's cannot be reused once stopped. */
    public synchronized void start() throws Exception {
        stopping = false;
        attempt.set(0);
        connection = new XMPPTCPConnection(configuration());
        connection.setUseStreamManagement(settings.streamManagement());
        connection.setUseStreamManagementResumption(settings.streamManagement());
        // The server acknowledges every message we send: what stream management holds as
        // unacknowledged (and resends after a reconnect) is then only what was in flight, so a
        // server dying mid-send can repeat at most that, with its origin-id for the receiver.
        connection.addRequestAckPredicate(ForEveryMessage.INSTANCE);
        connection.addConnectionListener(this);
        // Messages with a body: chats, normal, group chat, headlines. Errors are answers to our sends.
        connection.addSyncStanzaListener(s -> onMessage.accept((Message) s),
                new AndFilter(MessageWithBodiesFilter.INSTANCE, new NotFilter(MessageTypeFilter.ERROR)));
        Roster roster = Roster.getInstanceFor(connection);
        // Who asks to see our presence (and is allowed to reach the AI) is approved, and asked back:
        // the AI then sees theirs too (list_contacts, presence notifications).
        roster.addSubscribeListener((from, request) -> allowed(from)
                ? SubscribeListener.SubscribeAnswer.ApproveAndAlsoRequestIfRequired
                : SubscribeListener.SubscribeAnswer.Deny);
        roster.addRosterListener(new PresenceForwarder());
        DeliveryReceiptManager receipts = DeliveryReceiptManager.getInstanceFor(connection);
        receipts.setAutoReceiptMode(DeliveryReceiptManager.AutoReceiptMode.always);
        receipts.addReceiptReceivedListener((from, to, receiptId, receipt) -> onReceipt.accept(from.toString(), receiptId));
        state = Systems.State.CONNECTING;
        detail = "connecting to " + server();
        scheduler.execute(this::connect);
    }

    public void stop() {
        stopping = true;
        XMPPTCPConnection c;
        synchronized (this) {
            c = connection;
        }
        if (c != null && c.isConnected()) {
            c.disconnect();
        }
        state = Systems.State.DISCONNECTED;
        detail = "stopped";
    }

    /**
     * Another instance was elected to hold this account's session: this one disconnects (or never
     * connects) and says so, so the server sees one session of the bridge and stores nothing twice.
     */
    public void standby() {
        stop();
        state = Systems.State.STANDBY;
        detail = "another instance (the elected leader) holds the XMPP session";
        // Smack's first configuration loads its providers and SASL mechanisms: over a second on a
        // busy host, which a take-over would otherwise spend before it even dials. Done once, in
        // the background; nothing connects.
        if (!warmedUp.compareAndSet(false, true)) {
            return;
        }
        scheduler.execute(() -> {
            try {
                new XMPPTCPConnection(configuration());
            } catch (Exception e) {
                LOG.debug("XMPP warm-up: {}", describe(e));
            }
        });
    }

    private void connect() {
        reconnectPending.set(false);
        if (stopping) {
            return;
        }
        XMPPTCPConnection c;
        synchronized (this) {
            c = connection;
        }
        try {
            if (!c.isConnected()) {
                c.connect();
            }
            if (!c.isAuthenticated()) {
                c.login();
            }
            // authenticated(...) below did the rest.
        } catch (Exception e) {
            Systems.State failedState = permanent(e) ? Systems.State.FAILED
                    : everConnected ? Systems.State.RECONNECTING : Systems.State.CONNECTING;
            state = failedState;
            detail = describe(e);
            if (c.isConnected()) {
                c.disconnect();
            }
            scheduleReconnect();
        }
    }

    private boolean allowed(Jid from) {
        return settings.allowedSenders().isEmpty()
                || settings.allowedSenders().contains(from.asBareJid().toString().toLowerCase(java.util.Locale.ROOT));
    }

    private void scheduleReconnect() {
        // A failed attempt and the closed-connection callback may both ask: one attempt at a time.
        if (stopping || !reconnectPending.compareAndSet(false, true)) {
            return;
        }
        long delay = backoff.apply(attempt.incrementAndGet());
        LOG.info("XMPP {} ({}); next attempt in {} ms", state.name().toLowerCase(), detail, delay);
        scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void connected(XMPPConnection c) {
        LOG.debug("XMPP connected to {}", server());
    }

    @Override
    public void authenticated(XMPPConnection c, boolean resumed) {
        attempt.set(0);
        everConnected = true;
        try {
            if (!resumed) {
                c.sendStanza(currentPresence);
                rejoinRooms();
            }
            state = Systems.State.CONNECTED;
            detail = "connected to " + server() + " as " + c.getUser();
            LOG.info("XMPP {}{}", detail, resumed ? " (stream resumed)" : "");
            onConnected.run();
        } catch (Exception e) {
            LOG.warn("XMPP after-login steps failed: {}", describe(e));
        }
    }

    @Override
    public void connectionClosed() {
        if (!stopping) {
            state = Systems.State.RECONNECTING;
            detail = "the server closed the stream";
            scheduleReconnect();
        }
    }

    @Override
    public void connectionClosedOnError(Exception e) {
        if (!stopping) {
            state = permanent(e) ? Systems.State.FAILED : Systems.State.RECONNECTING;
            detail = "connection lost: " + describe(e);
            scheduleReconnect();
        }
    }

    private void rejoinRooms() {
        Map<String, String> wanted = new LinkedHashMap<>(storedRooms.get());
        rooms.forEach((room, nick) -> wanted.put(room.toString(), nick));
        wanted.forEach((room, nick) -> {
            try {
                join(room, nick);
            } catch (Exception e) {
                LOG.warn("XMPP could not rejoin {}: {}", room, describe(e));
            }
        });
    }

    // ------------------------------------------------------------------ what the tools use

    public boolean isConnected() {
        XMPPTCPConnection c = connection;
        return c != null && c.isAuthenticated() && state == Systems.State.CONNECTED;
    }

    public Systems.State state() {
        return state;
    }

    public String detail() {
        return detail;
    }

    public String server() {
        return (settings.host() == null ? domain() : settings.host()) + ":" + settings.port();
    }

    public String jid() {
        return settings.jid();
    }

    /** Sends one message; its stanza id and origin-id are the outbox's message_id (de-duplication downstream). */
    public void send(String messageId, String recipient, String kind, String body) throws Exception {
        XMPPTCPConnection c = requireConnected();
        Message m = new Message(JidCreate.from(recipient), Message.Type.fromString(kind));
        m.setStanzaId(messageId);
        m.setBody(body);
        m.addExtension(new OriginIdElement(messageId));
        if (m.getType() != Message.Type.groupchat) {
            DeliveryReceiptRequest.addTo(m);
        }
        c.sendStanza(m);
    }

    public void setPresence(String show, String status) throws Exception {
        Presence p = new Presence(Presence.Type.available);
        if (show != null && !"available".equals(show)) {
            p.setMode(Presence.Mode.fromString(show));
        }
        p.setStatus(status);
        currentPresence = p;
        requireConnected().sendStanza(p);
    }

    public List<Map<String, Object>> contacts() throws Exception {
        Roster roster = Roster.getInstanceFor(requireConnected());
        if (!roster.isLoaded()) {
            roster.reloadAndWait();
        }
        return roster.getEntries().stream()
                .sorted((a, b) -> a.getJid().toString().compareTo(b.getJid().toString()))
                .map(e -> contact(roster, e)).toList();
    }

    /** Live presence of one bare JID, as the roster knows it. */
    public Map<String, Object> presenceOf(String jid) throws Exception {
        BareJid bare = JidCreate.bareFrom(jid);
        XMPPTCPConnection c = connection;
        if (c == null) {
            return Map.of("jid", bare.toString(), "available", false, "show", "unavailable");
        }
        return describe(bare, Roster.getInstanceFor(c).getPresence(bare));
    }

    public void join(String room, String nickname) throws Exception {
        EntityBareJid roomJid = JidCreate.entityBareFrom(room);
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(requireConnected()).getMultiUserChat(roomJid);
        if (!muc.isJoined()) {
            muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from(nickname)).requestNoHistory()
                    .timeoutAfter(settings.connectTimeout().toMillis()).build());
        }
        rooms.put(roomJid, nickname);
    }

    public void leave(String room) throws Exception {
        EntityBareJid roomJid = JidCreate.entityBareFrom(room);
        rooms.remove(roomJid);
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(requireConnected()).getMultiUserChat(roomJid);
        if (muc.isJoined()) {
            muc.leave();
        }
    }

    public boolean inRoom(String room) {
        try {
            return rooms.containsKey(JidCreate.entityBareFrom(room));
        } catch (Exception e) {
            return false;
        }
    }

    /** Our own nickname in a room: group chat echoes of what we sent are not news for the AI. */
    public String nicknameIn(String room) {
        try {
            return rooms.get(JidCreate.entityBareFrom(room));
        } catch (Exception e) {
            return null;
        }
    }

    private XMPPTCPConnection requireConnected() {
        XMPPTCPConnection c = connection;
        if (c == null || !c.isAuthenticated()) {
            throw new NotConnectedException("XMPP is " + state.name().toLowerCase() + ": " + detail);
        }
        return c;
    }

    /** The link is down; the caller may wait and try again (the outbound route does). */
    public static final class NotConnectedException extends IllegalStateException {
        public NotConnectedException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, Object> contact(Roster roster, RosterEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", e.getJid().toString());
        m.put("name", e.getName() == null ? "" : e.getName());
        m.put("subscription", e.getType().name());
        m.put("presence", describe(e.getJid(), roster.getPresence(e.getJid())));
        return m;
    }

    static Map<String, Object> describe(Jid jid, Presence p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", jid.asBareJid().toString());
        boolean available = p != null && p.isAvailable();
        m.put("available", available);
        m.put("show", !available ? "unavailable" : p.getMode() == Presence.Mode.available ? "available" : p.getMode().name());
        m.put("status", p == null || p.getStatus() == null ? "" : p.getStatus());
        return m;
    }

    private XMPPTCPConnectionConfiguration configuration() throws Exception {
        EntityBareJid jid = JidCreate.entityBareFrom(settings.jid());
        XMPPTCPConnectionConfiguration.Builder b = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(jid.asDomainBareJid())
                .setHostAddress(InetAddress.getByName(settings.host() == null ? jid.getDomain().toString() : settings.host()))
                .setPort(settings.port())
                .setUsernameAndPassword(jid.getLocalpart().toString(), settings.password())
                .setResource(settings.resource())
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                // Our own presence (with the show/status set by set_presence) goes after each login.
                .setSendPresence(false);
        if (settings.security() == XmppSettings.Security.DISABLED) {
            LOG.warn("XMPP TLS is disabled (SWITCHBOARD_XMPP_SECURITY=disabled): credentials and messages travel in clear");
            b.setSecurityMode(SecurityMode.disabled);
        } else {
            b.setSecurityMode(SecurityMode.required);
            if (settings.trustStore() != null) {
                b.setCustomSSLContext(sslContext());
            }
        }
        return b.build();
    }

    private SSLContext sslContext() throws Exception {
        Path path = Path.of(settings.trustStore());
        char[] password = settings.trustStorePassword() == null ? null : settings.trustStorePassword().toCharArray();
        KeyStore store = KeyStore.getInstance(path.toString().endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, password);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private String domain() {
        try {
            return JidCreate.entityBareFrom(settings.jid()).getDomain().toString();
        } catch (Exception e) {
            return settings.jid();
        }
    }

    /** Failures that retrying will not cure without an operator: wrong password, untrusted certificate. */
    private static boolean permanent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SASLErrorException || t instanceof SSLHandshakeException || t instanceof CertificateException
                    || t instanceof SmackException.SecurityRequiredByClientException) {
                return true;
            }
        }
        return false;
    }

    /** A reason fit for the log, ping and health: never the password. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SASLErrorException) {
                return "authentication refused by the server";
            }
            if (t instanceof SSLHandshakeException || t instanceof CertificateException) {
                return "TLS refused: the server's certificate is not trusted (" + t.getClass().getSimpleName() + ")";
            }
        }
        if (e instanceof SmackException.SecurityRequiredByClientException) {
            return "the server does not offer TLS and SWITCHBOARD_XMPP_SECURITY is required";
        }
        if (e instanceof SmackException.ConnectionException) {
            return "server unreachable";
        }
        if (e instanceof SmackException.NoResponseException) {
            return "no response from the server";
        }
        if (e instanceof XMPPException.StreamErrorException se) {
            return "stream error " + se.getStreamError().getCondition();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** Presence changes of roster contacts go to the gate (high priority). */
    private final class PresenceForwarder implements RosterListener {
        @Override
        public void entriesAdded(java.util.Collection<Jid> addresses) {
        }

        @Override
        public void entriesUpdated(java.util.Collection<Jid> addresses) {
        }

        @Override
        public void entriesDeleted(java.util.Collection<Jid> addresses) {
        }

        @Override
        public void presenceChanged(Presence presence) {
            onPresence.accept(presence);
        }
    }
}
