package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling of the gateway benchmark: a bare Vert.x handler on POST /mcp that answers the bytes
 * Switchboard answers for initialize, notifications and a tools/call of {@code echo}, with the
 * request's id echoed. It parses each request with Jackson (it has to find the id and the method)
 * and does nothing else: no session table, no validation, no route. What is left is transport + JSON.
 *
 * <p>{@code --instances} (default 1) is the number of event loops serving the port; one is what a
 * single {@code createHttpServer} gets, as Camel's platform-http server does.
 */
public final class BareVertxServer extends AbstractVerticle {

    private static final String JSON_TYPE = "application/json";

    private final int port;

    private BareVertxServer(int port) {
        this.port = port;
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        int port = a.getInt("port", 8090);
        int instances = a.getInt("instances", 1);
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new BareVertxServer(port), new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("bare Vert.x MCP echo on 127.0.0.1:" + port + " (" + instances + " event loop(s))");
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                .requestHandler(req -> {
                    if (req.method() != HttpMethod.POST || !"/mcp".equals(req.path())) {
                        req.response().setStatusCode(404).end();
                        return;
                    }
                    req.body().onSuccess(body -> answer(req, body));
                })
                .listen().<Void>mapEmpty().onComplete(started);
    }

    private static void answer(HttpServerRequest req, Buffer body) {
        JsonNode msg;
        try {
            msg = McpConnection.JSON.readTree(body.getBytes());
        } catch (IOException e) {
            req.response().setStatusCode(400).end();
            return;
        }
        JsonNode id = msg.get("id");
        if (id == null) {
            // A notification (or a response): accepted, nothing to say, as the spec has it.
            req.response().setStatusCode(202).end();
            return;
        }
        String method = msg.path("method").asText();
        if ("initialize".equals(method)) {
            req.response().putHeader("Mcp-Session-Id", UUID.randomUUID().toString()).putHeader("Content-Type", JSON_TYPE)
                    .end("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"protocolVersion\":\"" + McpConnection.PROTOCOL_VERSION
                            + "\",\"capabilities\":{\"tools\":{\"listChanged\":true}},"
                            + "\"serverInfo\":{\"name\":\"bare-vertx\",\"version\":\"1\"}}}");
            return;
        }
        String result = "tools/call".equals(method)
                ? "{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"text\\\":\\\"hello\\\"}\"}],\"isError\":false,"
                        + "\"structuredContent\":{\"text\":\"hello\"}}"
                : "{}";
        String session = req.getHeader("Mcp-Session-Id");
        if (session != null) {
            req.response().putHeader("Mcp-Session-Id", session);
        }
        req.response().putHeader("Content-Type", JSON_TYPE).end("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}");
    }
}
