package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.filter.MessageWithBodiesFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jxmpp.jid.impl.JidCreate;

/**
 * bench/xmpp: inbound XMPP messages through Prosody into MCP notifications, beside the ceiling — a
 * Smack client sending to a Smack client through the same Prosody. Each message carries its send
 * time (System.nanoTime, one JVM for sender and receivers), so latency is sender → receiver.
 * Two runs per path: a burst at full speed (throughput) and a steady rate (latency).
 */
public final class XmppLoad {

    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        int port = Integer.parseInt(a.get("xmpp-port", "5222"));
        URI mcp = URI.create(a.get("mcp", "http://127.0.0.1:8080/mcp"));
        int burst = Integer.parseInt(a.get("burst", "20000"));
        int steady = Integer.parseInt(a.get("steady", "5000"));
        int rate = Integer.parseInt(a.get("rate", "500"));
        Path out = Path.of(a.get("out", "bench/results/xmpp.json"));

        Map<String, Object> results = new LinkedHashMap<>();
        // Ceiling: Smack → Prosody → Smack.
        try (Client sender = Client.login(port, "load1"); Client sink = Client.login(port, "sink")) {
            Receiver r = new Receiver();
            sink.connection.addSyncStanzaListener(s -> r.accept(stamp(((Message) s).getBody())), MessageWithBodiesFilter.INSTANCE);
            warm(sender, "sink@localhost", r);
            results.put("ceiling_steady", steady(sender, "sink@localhost", r, steady, rate));
            results.put("ceiling_burst", burst(sender, "sink@localhost", r, burst));
        }
        // Switchboard: Smack → Prosody → Switchboard (gate, priority queue, inbox, notifications) → MCP client.
        try (Client sender = Client.login(port, "load2"); McpListener listener = new McpListener(mcp)) {
            Receiver r = new Receiver();
            listener.onMessage = r::accept;
            warm(sender, "switchboard@localhost", r);
            results.put("switchboard_steady", steady(sender, "switchboard@localhost", r, steady, rate));
            // Switchboard's own timer right after the steady run (its percentiles cover ~15 s).
            internalP99(a, results);
            results.put("switchboard_burst", burst(sender, "switchboard@localhost", r, burst));
        }
        String metrics = scrape(a);
        long dropped = metrics.lines().filter(l -> l.startsWith("switchboard_xmpp_inbound_dropped_total"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        results.put("switchboard_dropped", dropped);

        Files.createDirectories(out.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), results);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        if (a.get("markdown", null) != null) {
            Properties machine = new Properties();
            try (var in = Files.newInputStream(Path.of(a.get("machine", "bench/results/machine.properties")))) {
                machine.load(in);
            }
            writeSection(Path.of(a.get("markdown", null)), section(results, machine, rate));
        }
    }

    static String scrape(Args a) throws Exception {
        return a.get("metrics", null) == null ? "" : HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(a.get("metrics", null))).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Switchboard's own share: parsed stanza → notifications handed to the session (its timer). */
    static void internalP99(Args a, Map<String, Object> results) throws Exception {
        scrape(a).lines().filter(l -> l.startsWith("switchboard_xmpp_inbound_latency_seconds{") && l.contains("quantile=\"0.99\""))
                .findFirst().ifPresent(l -> results.put("switchboard_internal_p99_ms",
                        Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) * 1000));
    }

    @SuppressWarnings("unchecked")
    static String section(Map<String, Object> r, Properties machine, int rate) {
        Map<String, Object> cb = (Map<String, Object>) r.get("ceiling_burst");
        Map<String, Object> sbb = (Map<String, Object>) r.get("switchboard_burst");
        Map<String, Object> cs = (Map<String, Object>) r.get("ceiling_steady");
        Map<String, Object> ss = (Map<String, Object>) r.get("switchboard_steady");
        double ratio = ((Number) sbb.get("messages_per_second")).doubleValue() / ((Number) cb.get("messages_per_second")).doubleValue();
        double addedP99 = ((Number) ss.get("p99_ms")).doubleValue() - ((Number) cs.get("p99_ms")).doubleValue();
        StringBuilder b = new StringBuilder();
        b.append("<!-- bench:xmpp:start -->\n## XMPP bridge: inbound messages into MCP notifications\n\n");
        b.append("`bench/xmpp`, ").append(machine.getProperty("date")).append(", ").append(machine.getProperty("nproc"))
                .append(" cores (").append(machine.getProperty("cpu")).append("), load average at start ")
                .append(machine.getProperty("loadavg")).append(", ").append(machine.getProperty("java")).append(".\n\n");
        b.append("One Smack client sends chat messages through a real Prosody 0.12 (loopback, plain c2s). Ceiling: they go to a ")
                .append("second Smack client. Switchboard: they go to its account and come out as `notifications/message` on ")
                .append("an MCP session's listening stream, after the back-pressure gate, the priority queue, the durable ")
                .append("inbox (SQLite) and the notification queue. Latency is send → receipt in one JVM.\n\n");
        b.append("| path | run | sent | received | messages/s | p50 ms | p99 ms | max ms |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        row(b, "Smack → Prosody → Smack (ceiling)", "burst", cb);
        row(b, "Smack → Prosody → Switchboard → MCP", "burst", sbb);
        row(b, "Smack → Prosody → Smack (ceiling)", rate + "/s", cs);
        row(b, "Smack → Prosody → Switchboard → MCP", rate + "/s", ss);
        b.append("\nThroughput: Switchboard delivers ").append(Math.round(ratio * 100)).append(" % of the ceiling (target ≥ 90 %: ")
                .append(ratio >= 0.9 ? "met" : "**not met**").append("). Added p99 latency at ").append(rate).append(" msg/s: ")
                .append(String.format(java.util.Locale.ROOT, "%.1f", addedP99)).append(" ms (target < 10 ms: ")
                .append(addedP99 < 0 ? "not measurable in this run: the ceiling's own p99 was higher, the machine's load dominates"
                        : addedP99 < 10 ? "met" : "**not met**").append("); at the median it adds ")
                .append(String.format(java.util.Locale.ROOT, "%.1f",
                        ((Number) ss.get("p50_ms")).doubleValue() - ((Number) cs.get("p50_ms")).doubleValue()))
                .append(" ms. The seed asked 1,000 msg/s and < 50 ms. ")
                .append("Inbound drops counted by the gate during the runs: ").append(r.get("switchboard_dropped")).append(". ")
                .append("The machine runs other builds meanwhile (see the load average): repeated runs differ by a factor ")
                .append("of two, the ratio and the added latency much less.\n");
        b.append("Reproduce with `bench/xmpp` (`BENCH_XMPP_BURST`, `BENCH_XMPP_STEADY`, `BENCH_XMPP_RATE`); raw figures in ")
                .append("`bench/results/xmpp.json`.\n<!-- bench:xmpp:end -->\n");
        return b.toString();
    }

    static void row(StringBuilder b, String path, String run, Map<String, Object> m) {
        b.append("| ").append(path).append(" | ").append(run).append(" | ").append(m.get("sent")).append(" | ")
                .append(m.get("received")).append(" | ").append(m.getOrDefault("messages_per_second", "")).append(" | ")
                .append(ms(m.get("p50_ms"))).append(" | ").append(ms(m.get("p99_ms"))).append(" | ").append(ms(m.get("max_ms"))).append(" |\n");
    }

    static String ms(Object v) {
        return String.format(java.util.Locale.ROOT, "%.1f", ((Number) v).doubleValue());
    }

    /** Replaces this benchmark's marked span of docs/BENCHMARKS.md, or appends it. */
    static void writeSection(Path md, String section) throws Exception {
        String text = Files.exists(md) ? Files.readString(md) : "";
        int start = text.indexOf("<!-- bench:xmpp:start -->");
        int end = text.indexOf("<!-- bench:xmpp:end -->");
        if (start >= 0 && end > start) {
            text = text.substring(0, start) + section + text.substring(end + "<!-- bench:xmpp:end -->\n".length());
        } else {
            text = text + (text.endsWith("\n\n") ? "" : "\n") + section;
        }
        Files.writeString(md, text);
    }

    static long stamp(String body) {
        int i = body.indexOf(':');
        return i < 0 ? -1 : Long.parseLong(body.substring(i + 1));
    }

    /** JIT warm-up on both paths, not measured: 20,000 messages over ~15 s (the JVM's hot paths compile meanwhile). */
    static void warm(Client sender, String to, Receiver r) throws Exception {
        steady(sender, to, r, 20000, 1500);
    }

    static Map<String, Object> burst(Client sender, String to, Receiver r, int n) throws Exception {
        r.reset(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sender.send(to, "m" + i + ":" + System.nanoTime());
        }
        boolean all = r.done.await(120, TimeUnit.SECONDS);
        long end = r.last.get();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", n);
        m.put("received", n - r.done.getCount());
        m.put("complete", all);
        m.put("messages_per_second", Math.round((n - r.done.getCount()) / ((end - start) / 1e9)));
        m.putAll(r.percentiles());
        return m;
    }

    static Map<String, Object> steady(Client sender, String to, Receiver r, int n, int rate) throws Exception {
        r.reset(n);
        long start = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < n; i++) {
            long due = start + i * interval;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            sender.send(to, "m" + i + ":" + System.nanoTime());
        }
        boolean all = r.done.await(60, TimeUnit.SECONDS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rate", rate);
        m.put("sent", n);
        m.put("received", n - r.done.getCount());
        m.put("complete", all);
        m.putAll(r.percentiles());
        return m;
    }

    /** Latencies of what arrived; counts down as messages of the current run arrive. */
    static final class Receiver implements LongConsumer {
        volatile CountDownLatch done = new CountDownLatch(0);
        final AtomicLong last = new AtomicLong();
        volatile long since;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);

        synchronized void reset(int n) {
            latency.reset();
            since = System.nanoTime();
            done = new CountDownLatch(n);
        }

        @Override
        public synchronized void accept(long sentNanos) {
            long now = System.nanoTime();
            if (sentNanos < since) {
                return; // a straggler of the previous run
            }
            latency.recordValue(Math.max(0, now - sentNanos));
            last.set(now);
            done.countDown();
        }

        synchronized Map<String, Object> percentiles() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_ms", latency.getValueAtPercentile(50) / 1e6);
            m.put("p99_ms", latency.getValueAtPercentile(99) / 1e6);
            m.put("max_ms", latency.getMaxValue() / 1e6);
            return m;
        }
    }

    static final class Client implements AutoCloseable {
        final XMPPTCPConnection connection;

        Client(XMPPTCPConnection c) {
            this.connection = c;
        }

        static Client login(int port, String user) throws Exception {
            XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain("localhost").setHostAddress(InetAddress.getLoopbackAddress()).setPort(port)
                    .setUsernameAndPassword(user, "secret-" + user).setResource("bench")
                    .setSecurityMode(SecurityMode.disabled).build());
            c.connect().login();
            return new Client(c);
        }

        void send(String to, String body) throws Exception {
            Message m = new Message(JidCreate.from(to), Message.Type.chat);
            m.setBody(body);
            connection.sendStanza(m);
        }

        @Override
        public void close() {
            connection.disconnect();
        }
    }

    /** An MCP session's listening stream: the bridge's xmpp_message notifications, by send time. */
    static final class McpListener implements AutoCloseable {
        volatile LongConsumer onMessage = t -> { };
        private final InputStream stream;

        McpListener(URI mcp) throws Exception {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> init = http.send(HttpRequest.newBuilder(mcp)
                    .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                            + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            http.send(HttpRequest.newBuilder(mcp).header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                    .build(), HttpResponse.BodyHandlers.discarding());
            stream = http.send(HttpRequest.newBuilder(mcp).header("Accept", "text/event-stream").header("Mcp-Session-Id", session)
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream()).body();
            CountDownLatch primed = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        primed.countDown();
                        if (line.startsWith("data:") && line.contains("xmpp_message")) {
                            JsonNode n = JSON.readTree(line.substring(5));
                            JsonNode data = JSON.readTree(n.path("params").path("data").asText());
                            onMessage.accept(stamp(data.path("body").asText()));
                        }
                    }
                } catch (Exception closed) {
                    // the run is over
                }
            }, "mcp-listener");
            reader.setDaemon(true);
            reader.start();
            if (!primed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the MCP listening stream did not open");
            }
        }

        @Override
        public void close() throws Exception {
            stream.close();
        }
    }
}
