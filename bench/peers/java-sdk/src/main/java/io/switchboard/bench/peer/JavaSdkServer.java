package io.switchboard.bench.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The MCP Java SDK's own Streamable HTTP transport (a servlet) on Jetty 12 with the gateway
 * benchmark's echo tool: the SDK as its own documentation sets it up, defaults everywhere.
 * Usage: java -jar peer-java-sdk.jar PORT   (listens on 127.0.0.1, endpoint /mcp).
 */
public final class JavaSdkServer {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "8093");
        ObjectMapper objectMapper = new ObjectMapper();
        McpJsonMapper jsonMapper = new JacksonMcpJsonMapper(objectMapper);
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(jsonMapper)
                .mcpEndpoint("/mcp")
                .build();
        McpSchema.Tool echo = McpSchema.Tool.builder()
                .name("echo")
                .description("Answers its arguments.")
                .inputSchema(jsonMapper, "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}")
                .build();
        McpSyncServer server = McpServer.sync(transport)
                .serverInfo("java-sdk-bench", "1.0.0")
                .jsonMapper(jsonMapper)
                .jsonSchemaValidator(new DefaultJsonSchemaValidator(objectMapper))
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(echo)
                        // The result Switchboard gives: the arguments as structuredContent and as JSON text.
                        .callHandler((exchange, request) -> {
                            Map<String, Object> text = Map.of("text", String.valueOf(request.arguments().get("text")));
                            String json;
                            try {
                                json = objectMapper.writeValueAsString(text);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            return McpSchema.CallToolResult.builder().structuredContent(text).addTextContent(json)
                                    .isError(false).build();
                        })
                        .build())
                .build();

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(transport);
        // The transport answers on SSE streams it keeps open: it needs async servlet support.
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        jetty.setHandler(context);
        jetty.start();
        System.out.println("MCP Java SDK (servlet transport on Jetty 12) echo server on 127.0.0.1:" + port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                jetty.stop();
            } catch (Exception ignored) {
                // Exiting anyway.
            }
        }));
        jetty.join();
    }
}
