package io.switchboard.bindery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the Rust Bindery backend (axum), on loopback, built from spec/TOOLS.md: its paths
 * and its quirks. Tasks come back as summaries with tags and labels as JSON strings; PUT saves
 * only title and status; execute sets the origin's in_progress; projects, search and indexing
 * are stubs. Scripted failures (5xx, slow answers) are served first, one per request, and every
 * request is recorded.
 */
final class FakeRustBindery implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the next request gets instead of a normal answer. */
    enum Fault { SERVER_ERROR, SLOW }

    record Request(String method, String path, String body) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Map<String, Object>> tasks = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Fault> script = new ConcurrentLinkedDeque<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Fault always;
    private volatile long slowMillis = 2000;

    FakeRustBindery() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void fail(Fault... faults) {
        script.addAll(List.of(faults));
    }

    void failAlways(Fault fault) {
        always = fault;
    }

    void slowFor(long millis) {
        slowMillis = millis;
    }

    int requestCount() {
        return requests.size();
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    void reset() {
        script.clear();
        always = null;
        requests.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        inFlight.incrementAndGet();
        try {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            requests.add(new Request(method, ex.getRequestURI().toString(), body));
            Fault fault = always != null ? always : script.poll();
            if (fault == Fault.SERVER_ERROR) {
                send(ex, 500, Map.of("error", "internal", "message", "database is locked"));
                return;
            }
            if (fault == Fault.SLOW) {
                try {
                    released.await(slowMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            route(ex, method, path, body);
        } catch (IOException e) {
            // the client gave up (timeout): nothing to answer
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    private void route(HttpExchange ex, String method, String path, String body) throws IOException {
        String[] parts = path.split("/");
        if (path.equals("/health")) {
            send(ex, 200, Map.of("status", "healthy", "service", "bindery", "version", "0.1.0",
                    "database", Map.of("pool_healthy", true, "active_connections", 1, "max_connections", 8, "utilization_percent", 12.5)));
        } else if (path.equals("/api/tasks") && method.equals("POST")) {
            Map<String, Object> input = read(body);
            Map<String, Object> task = new LinkedHashMap<>();
            String id = UUID.randomUUID().toString();
            task.put("id", id);
            task.put("title", input.get("title"));
            task.put("description", input.get("description"));
            task.put("status", input.getOrDefault("status", "todo"));
            task.put("priority", input.getOrDefault("priority", "normal"));
            task.put("parent_id", input.get("parent_id"));
            task.put("project_id", input.get("project_id"));
            task.put("assignee", null);
            task.put("tags", JSON.writeValueAsString(input.getOrDefault("tags", List.of())));
            task.put("labels", JSON.writeValueAsString(input.getOrDefault("labels", Map.of())));
            task.put("created_at", Instant.now().toString());
            task.put("updated_at", Instant.now().toString());
            task.put("due_date", null);
            tasks.put(id, task);
            send(ex, 200, summary(task));
        } else if (path.equals("/api/tasks") && method.equals("GET")) {
            List<Object> items = new ArrayList<>();
            tasks.values().forEach(t -> items.add(summary(t)));
            send(ex, 200, Map.of("items", items, "total", items.size()));
        } else if (parts.length == 4 && path.startsWith("/api/tasks/")) {
            Map<String, Object> task = tasks.get(parts[3]);
            if (task == null) {
                send(ex, 404, Map.of("error", "not_found", "message", "Task not found"));
            } else if (method.equals("GET")) {
                send(ex, 200, task);
            } else if (method.equals("PUT")) {
                Map<String, Object> changes = read(body);
                // The quirk: only title and status are saved.
                if (changes.containsKey("title")) {
                    task.put("title", changes.get("title"));
                }
                if (changes.containsKey("status")) {
                    task.put("status", changes.get("status"));
                }
                task.put("updated_at", Instant.now().toString());
                send(ex, 200, task);
            } else if (method.equals("DELETE")) {
                tasks.remove(parts[3]);
                send(ex, 200, Map.of("success", true));
            }
        } else if (parts.length == 5 && parts[4].equals("execute")) {
            Map<String, Object> task = tasks.get(parts[3]);
            if (task == null) {
                send(ex, 404, Map.of("error", "not_found"));
                return;
            }
            Object role = read(body).get("role");
            task.put("status", "in_progress");
            task.put("assignee", role);
            send(ex, 200, Map.of("success", true, "task_id", parts[3], "role_assigned", role, "execution_id", UUID.randomUUID().toString()));
        } else if (path.equals("/api/roles")) {
            send(ex, 200, Map.of("success", true, "roles", List.of(Map.of("name", "coder", "capabilities", List.of("write_code"))),
                    "total_roles", 1));
        } else if (path.equals("/api/projects")) {
            send(ex, 200, Map.of("success", true, "message", "Projects are not implemented yet",
                    "project", Map.of("id", UUID.randomUUID().toString(), "name", read(body).get("name"))));
        } else if (path.equals("/api/search")) {
            send(ex, 200, Map.of("results", List.of(), "total", 0));
        } else if (path.equals("/api/dashboard/stats")) {
            send(ex, 200, Map.of("total_tasks", tasks.size(), "status_breakdown", Map.of(), "priority_breakdown", Map.of(),
                    "completion_rate", 0.0));
        } else {
            send(ex, 404, Map.of("error", "not_found"));
        }
    }

    /** The Rust list/create answer: a summary, tags as a JSON string. */
    private static Map<String, Object> summary(Map<String, Object> task) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String key : List.of("id", "title", "status", "priority", "tags", "created_at")) {
            s.put(key, task.get(key));
        }
        return s;
    }

    private static Map<String, Object> read(String body) throws IOException {
        return body.isBlank() ? new LinkedHashMap<>() : JSON.readValue(body, new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
