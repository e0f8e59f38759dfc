package io.switchboard.xmpp;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ReconnectionManager;
import org.jivesoftware.smack.filter.MessageWithBodiesFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.sid.element.OriginIdElement;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.receipts.DeliveryReceiptManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** An independent XMPP user for the tests: a Smack client of its own, as a person's client would be. */
public final class XmppPeer implements AutoCloseable {

    public final XMPPTCPConnection connection;
    public final List<Message> received = new CopyOnWriteArrayList<>();

    private XmppPeer(XMPPTCPConnection connection) {
        this.connection = connection;
    }

    public static XmppPeer login(ProsodyServer server, String user) throws Exception {
        XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(ProsodyServer.DOMAIN)
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(server.port())
                .setUsernameAndPassword(user, ProsodyServer.password(user))
                .setResource("test-" + user)
                .setSecurityMode(SecurityMode.disabled)
                .build());
        XmppPeer peer = new XmppPeer(c);
        c.addSyncStanzaListener(s -> peer.received.add((Message) s), MessageWithBodiesFilter.INSTANCE);
        Roster.getInstanceFor(c).setSubscriptionMode(Roster.SubscriptionMode.accept_all);
        DeliveryReceiptManager.getInstanceFor(c).setAutoReceiptMode(DeliveryReceiptManager.AutoReceiptMode.always);
        c.connect().login();
        return peer;
    }

    /** Reconnects by itself after an outage, as a person's client does. */
    public XmppPeer reconnecting() {
        ReconnectionManager rm = ReconnectionManager.getInstanceFor(connection);
        rm.setReconnectionPolicy(ReconnectionManager.ReconnectionPolicy.FIXED_DELAY);
        rm.setFixedDelay(1);
        rm.enableAutomaticReconnection();
        return this;
    }

    public void send(String to, String body) throws Exception {
        Message m = new Message(JidCreate.from(to), Message.Type.chat);
        m.setBody(body);
        connection.sendStanza(m);
    }

    public void sendHeadline(String to, String body) throws Exception {
        Message m = new Message(JidCreate.from(to), Message.Type.headline);
        m.setBody(body);
        connection.sendStanza(m);
    }

    /** Asks to see {@code jid}'s presence (the bridge approves and asks back). */
    public void subscribeTo(String jid) throws Exception {
        Roster.getInstanceFor(connection).createEntry(JidCreate.bareFrom(jid), null, null);
    }

    public void presence(Presence.Mode mode, String status) throws Exception {
        Presence p = new Presence(Presence.Type.available);
        p.setMode(mode);
        p.setStatus(status);
        connection.sendStanza(p);
    }

    public MultiUserChat join(String room, String nick) throws Exception {
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(JidCreate.entityBareFrom(room));
        muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from(nick)).requestNoHistory().build());
        return muc;
    }

    public List<String> bodies() {
        return received.stream().map(Message::getBody).toList();
    }

    /**
     * The bodies as a receiving client that honours XEP-0359 shows them: a copy whose origin-id
     * was already seen is dropped. Messages without an origin-id are all kept.
     */
    public List<String> bodiesOncePerOriginId() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> bodies = new java.util.ArrayList<>();
        for (Message m : received) {
            OriginIdElement origin = OriginIdElement.getOriginId(m);
            if (origin == null || seen.add(origin.getId())) {
                bodies.add(m.getBody());
            }
        }
        return bodies;
    }

    @Override
    public void close() {
        connection.disconnect();
    }
}
