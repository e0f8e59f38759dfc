package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.util.DefaultMcpUriTemplateManager;
import io.switchboard.guard.ErrorEnvelope;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Turns resource, prompt and completion declarations into SDK specifications whose handlers run
 * the declared route. Failures answer a JSON-RPC error whose message is safe to show.
 */
final class RouteFeatures {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFeatures.class);
    static final String RESOURCE_URI_HEADER = "McpResourceUri";

    private final RouteInvoker invoker;
    private final ObjectMapper mapper;
    private final Duration timeout;
    private final RequestStates states;

    RouteFeatures(RouteInvoker invoker, ObjectMapper mapper, Duration timeout, RequestStates states) {
        this.invoker = invoker;
        this.mapper = mapper;
        this.timeout = timeout;
        this.states = states;
    }

    /** A declared resource or template and how to read it: what {@link #mayWatch} consults. */
    private record Readable(Endpoint endpoint, Declarations.Resource declaration, DefaultMcpUriTemplateManager template) {
    }

    private final Map<String, Readable> readable = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether {@code client} may watch {@code uri}: it may if it may read it, so the resource's route
     * reads it as that client and its refusal (permission_denied -> -32602) is the answer. A URI no
     * declared resource matches is left to the SDK, as before.
     */
    Mono<Void> mayWatch(String uri, String client) {
        for (Readable r : readable.values()) {
            if (r.template() == null ? uri.equals(r.declaration().uri()) : r.template().matches(uri)) {
                Map<String, String> variables = r.template() == null ? Map.of() : r.template().extractVariableValues(uri);
                return read(r.endpoint(), r.declaration(), uri, variables, client).then();
            }
        }
        return Mono.empty();
    }

    McpServerFeatures.AsyncResourceSpecification resource(Declarations.Resource d) {
        Endpoint endpoint = invoker.endpoint(d.route());
        readable.put(d.uri(), new Readable(endpoint, d, null));
        McpSchema.Resource resource = McpSchema.Resource.builder()
                .uri(d.uri()).name(nameOf(d)).title(d.title()).description(d.description()).mimeType(d.mimeType())
                .build();
        return new McpServerFeatures.AsyncResourceSpecification(resource,
                (ex, req) -> read(endpoint, d, req.uri(), Map.of()));
    }

    McpServerFeatures.AsyncResourceTemplateSpecification template(Declarations.Resource d) {
        Endpoint endpoint = invoker.endpoint(d.route());
        DefaultMcpUriTemplateManager template = new DefaultMcpUriTemplateManager(d.uriTemplate());
        readable.put(d.uriTemplate(), new Readable(endpoint, d, template));
        McpSchema.ResourceTemplate rt = McpSchema.ResourceTemplate.builder()
                .uriTemplate(d.uriTemplate()).name(nameOf(d)).title(d.title()).description(d.description())
                .mimeType(d.mimeType()).build();
        return new McpServerFeatures.AsyncResourceTemplateSpecification(rt,
                (ex, req) -> read(endpoint, d, req.uri(), template.extractVariableValues(req.uri())));
    }

    McpServerFeatures.AsyncPromptSpecification prompt(Declarations.Prompt d) {
        Endpoint endpoint = invoker.endpoint(d.route());
        List<McpSchema.PromptArgument> args = d.arguments().stream()
                .map(a -> new McpSchema.PromptArgument(a.name(), a.title(), a.description(), a.required()))
                .toList();
        McpSchema.Prompt prompt = new McpSchema.Prompt(d.name(), d.title(), d.description(), args);
        return new McpServerFeatures.AsyncPromptSpecification(prompt, (ex, req) -> Mono.deferContextual(context -> {
            Map<String, Object> arguments = req.arguments() == null ? Map.of() : req.arguments();
            for (McpSchema.PromptArgument a : args) {
                if (Boolean.TRUE.equals(a.required()) && !arguments.containsKey(a.name())) {
                    return Mono.error(McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                            .message("Missing required argument: " + a.name()).build());
                }
            }
            // 2026-07-28: a prompt route may ask the client too (multi round-trip), as a tool does.
            StatelessCall stateless = context.getOrDefault(StatelessCall.class, null);
            CallContext call = null;
            if (stateless != null) {
                try {
                    call = new CallContext(ex, null, () -> { }, InputRound.open(stateless, d.name(), states));
                } catch (McpOutcome outcome) {
                    return Mono.just(new McpSchema.GetPromptResult(null, List.of(), outcome.toMeta()));
                }
            }
            return invoker.call(endpoint, new LinkedHashMap<>(arguments), Map.of(), call, timeout)
                    .map(this::promptResult)
                    .onErrorResume(e -> McpOutcome.in(e) != null,
                            e -> Mono.just(new McpSchema.GetPromptResult(null, List.of(), McpOutcome.in(e).toMeta())))
                    .onErrorMap(e -> !(e instanceof McpError), e -> sanitised("prompt " + d.name(), e));
        }));
    }

    McpServerFeatures.AsyncCompletionSpecification completion(Declarations.Completion d) {
        Endpoint endpoint = invoker.endpoint(d.route());
        McpSchema.CompleteReference ref = "ref/resource".equals(d.ref().get("type"))
                ? new McpSchema.ResourceReference(d.ref().get("uri"))
                : new McpSchema.PromptReference(d.ref().get("name"));
        return new McpServerFeatures.AsyncCompletionSpecification(ref, (ex, req) -> {
            Map<String, Object> body = new HashMap<>();
            body.put("argument", Map.of("name", req.argument().name(), "value", String.valueOf(req.argument().value())));
            if (req.context() != null && req.context().arguments() != null) {
                body.put("context", req.context().arguments());
            }
            return invoker.call(endpoint, body, Map.of(), null, timeout)
                    .map(this::completionResult)
                    .onErrorMap(e -> !(e instanceof McpError), e -> sanitised("completion", e));
        });
    }

    private Mono<McpSchema.ReadResourceResult> read(Endpoint endpoint, Declarations.Resource d, String uri,
                                                    Map<String, String> variables) {
        return read(endpoint, d, uri, variables, null);
    }

    /** Reads as {@code client}, or (null) as the caller the Reactor context names. */
    private Mono<McpSchema.ReadResourceResult> read(Endpoint endpoint, Declarations.Resource d, String uri,
                                                    Map<String, String> variables, String client) {
        Map<String, Object> headers = new HashMap<>(variables);
        headers.put(RESOURCE_URI_HEADER, uri);
        return Mono.deferContextual(c -> {
                    headers.put(ToolHandler.CLIENT_HEADER, client != null ? client : ToolHandler.client(c));
                    return invoker.call(endpoint, null, headers, null, timeout);
                })
                .map(ex -> readResult(ex, uri, d.mimeType()))
                .onErrorMap(e -> !(e instanceof McpError), e -> sanitised("resource " + uri, e));
    }

    private McpSchema.ReadResourceResult readResult(Exchange ex, String uri, String mimeType) {
        rethrow(ex);
        Object body = ex.getMessage().getBody();
        if (body instanceof McpSchema.ReadResourceResult r) {
            return r;
        }
        if (body instanceof byte[] bytes) {
            return new McpSchema.ReadResourceResult(List.of(
                    new McpSchema.BlobResourceContents(uri, mimeType, Base64.getEncoder().encodeToString(bytes))));
        }
        if (body instanceof Map<?, ?> m && m.containsKey("contents")) {
            return mapper.convertValue(m, McpSchema.ReadResourceResult.class);
        }
        if (body instanceof String s && s.trim().startsWith("{\"contents\"")) {
            // A route may answer the whole result as JSON, e.g. to return a base64 blob.
            return mapper.convertValue(readJson(s), McpSchema.ReadResourceResult.class);
        }
        String text = body instanceof String s ? s : ex.getMessage().getBody(String.class);
        return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(uri, mimeType, text)));
    }

    private McpSchema.GetPromptResult promptResult(Exchange ex) {
        McpOutcome outcome = McpOutcome.in(ex.getException());
        if (outcome != null) {
            return new McpSchema.GetPromptResult(null, List.of(), outcome.toMeta());
        }
        rethrow(ex);
        Object body = ex.getMessage().getBody();
        if (body instanceof McpSchema.GetPromptResult r) {
            return r;
        }
        if (body instanceof String s && !s.trim().startsWith("{")) {
            return new McpSchema.GetPromptResult(null,
                    List.of(new McpSchema.PromptMessage(McpSchema.Role.USER, new McpSchema.TextContent(s))));
        }
        Object value = body instanceof String s ? readJson(s) : body;
        return mapper.convertValue(value, McpSchema.GetPromptResult.class);
    }

    private McpSchema.CompleteResult completionResult(Exchange ex) {
        rethrow(ex);
        Object body = ex.getMessage().getBody();
        List<String> values = body instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : mapper.convertValue(body instanceof String s ? readJson(s) : body, new TypeReference<List<String>>() {
                });
        List<String> page = values.size() > 100 ? values.subList(0, 100) : values;
        return new McpSchema.CompleteResult(
                new McpSchema.CompleteResult.CompleteCompletion(page, values.size(), values.size() > page.size()));
    }

    private Object readJson(String s) {
        try {
            return mapper.readValue(s, Object.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("The route did not answer JSON");
        }
    }

    private static void rethrow(Exchange ex) {
        if (ex.getException() != null) {
            throw new RouteFailure(ex.getException());
        }
    }

    private static McpError sanitised(String what, Throwable e) {
        Throwable cause = e instanceof RouteFailure rf ? rf.getCause() : e;
        ErrorEnvelope envelope = ErrorEnvelope.fromThrowable(cause, what, UUID.randomUUID().toString());
        LOG.warn("{} failed [{}]", what, envelope.correlationId(), cause);
        // A client's mistake (an unknown resource, a bad argument, someone else's handle) is invalid
        // params; -32603 stays for what went wrong on our side.
        int code = switch (envelope.code()) {
            case VALIDATION_ERROR, NOT_FOUND, PERMISSION_DENIED, CLIENT_ERROR -> McpSchema.ErrorCodes.INVALID_PARAMS;
            default -> McpSchema.ErrorCodes.INTERNAL_ERROR;
        };
        return McpError.builder(code).message(envelope.message()).data(envelope.toMap()).build();
    }

    private static String nameOf(Declarations.Resource d) {
        return d.name() != null ? d.name() : d.uri() != null ? d.uri() : d.uriTemplate();
    }

    /** Carries a route's exception out of a Reactor map step without losing it. */
    private static final class RouteFailure extends RuntimeException {
        RouteFailure(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
