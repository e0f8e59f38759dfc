package io.switchboard.bindery;

import io.switchboard.guard.ArgumentGuard;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.Sanitizer;
import io.switchboard.guard.ToolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded backend's HTTP face: request bodies read and held to the seed's limits, failures
 * turned into the status and {error, message} body the Rust backend answers, and POST /rpc
 * (JSON-RPC 2.0) dispatched to the same operations as the REST paths.
 */
public final class BinderyApi {

    private static final Logger LOG = LoggerFactory.getLogger(BinderyApi.class);

    private final Json json;
    private final ArgumentGuard guard;
    private final BinderyTasks tasks;
    private final BinderyLibrary library;
    private final BinderyStats stats;
    private final BinderyRoles roles;

    BinderyApi(Json json, ArgumentGuard guard, BinderyTasks tasks, BinderyLibrary library, BinderyStats stats, BinderyRoles roles) {
        this.json = json;
        this.guard = guard;
        this.tasks = tasks;
        this.library = library;
        this.stats = stats;
        this.roles = roles;
    }

    /** A JSON object body, within the limits (depth, sizes, forbidden keys) the tools have too. */
    public Map<String, Object> body(String text) {
        Map<String, Object> body = json.object(text);
        check(body);
        return body;
    }

    private void check(Map<String, Object> body) {
        Optional<String> violation = guard.check(body);
        if (violation.isPresent()) {
            throw ToolException.validation(violation.get());
        }
    }

    /** The HTTP status of a failure. */
    public int status(Throwable failure) {
        ToolException te = clientMistake(failure);
        if (te != null) {
            return switch (te.code()) {
                case VALIDATION_ERROR -> 400;
                case NOT_FOUND -> 404;
                case PERMISSION_DENIED -> 403;
                case RATE_LIMIT_EXCEEDED -> 429;
                default -> 500;
            };
        }
        return 500;
    }

    /** The body of a failure: the message for a client's mistake, a reference for anything else. */
    public Map<String, Object> error(Throwable failure) {
        Map<String, Object> body = new LinkedHashMap<>();
        ToolException te = clientMistake(failure);
        if (te != null) {
            body.put("error", te.code().code());
            body.put("message", Sanitizer.clean(te.getMessage()));
        } else {
            String reference = UUID.randomUUID().toString();
            LOG.warn("Bindery backend request failed [{}]", reference, failure);
            body.put("error", ErrorCode.INTERNAL_ERROR.code());
            body.put("message", "Internal error (reference " + reference + ")");
        }
        return body;
    }

    /** The ToolException a bean threw, however Camel wrapped it (a bean in an expression is wrapped twice). */
    private static ToolException clientMistake(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ToolException te) {
                return te;
            }
        }
        return null;
    }

    /** POST /rpc: one JSON-RPC 2.0 request or a batch; a notification (no id) gets no answer. */
    public Object rpc(String text) {
        Object request;
        try {
            request = json.any(text);
        } catch (ToolException e) {
            return rpcError(null, -32700, "Parse error");
        }
        if (request instanceof List<?> batch) {
            if (batch.isEmpty()) {
                return rpcError(null, -32600, "Invalid Request: empty batch");
            }
            List<Object> answers = new ArrayList<>();
            for (Object one : batch) {
                Map<String, Object> answer = rpcOne(one);
                if (answer != null) {
                    answers.add(answer);
                }
            }
            return answers;
        }
        Map<String, Object> answer = rpcOne(request);
        return answer == null ? Map.of() : answer;
    }

    private Map<String, Object> rpcOne(Object request) {
        if (!(request instanceof Map<?, ?> raw) || !"2.0".equals(raw.get("jsonrpc")) || !(raw.get("method") instanceof String method)) {
            return rpcError(null, -32600, "Invalid Request");
        }
        Object id = raw.get("id");
        boolean notification = !raw.containsKey("id");
        Object params = raw.get("params");
        if (params != null && !(params instanceof Map)) {
            return notification ? null : rpcError(id, -32602, "Invalid params: params must be an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> p = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>((Map<String, Object>) params);
        try {
            check(p);
            Object result = switch (method) {
                case "create_task" -> tasks.create(p);
                case "get_task" -> tasks.get(string(p, "task_id"));
                case "update_task" -> tasks.update(string(p, "task_id"), p);
                case "delete_task" -> tasks.delete(string(p, "task_id"));
                case "list_tasks" -> tasks.list(string(p, "project_id"), string(p, "status"), string(p, "parent_id"),
                        p.get("limit"), p.get("offset"));
                case "execute_task" -> tasks.execute(string(p, "task_id"), p);
                case "assign_role" -> tasks.assignRole(string(p, "task_id"), p);
                case "list_roles" -> roles.list();
                case "create_project" -> library.createProject(p);
                case "list_projects" -> library.listProjects();
                case "dashboard_stats" -> stats.dashboard();
                case "search" -> library.search(p);
                case "index_document" -> library.index(p);
                case "health" -> stats.health();
                default -> null;
            };
            if (result == null) {
                return notification ? null : rpcError(id, -32601, "Method not found: " + Sanitizer.clean(method));
            }
            if (notification) {
                return null;
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("jsonrpc", "2.0");
            answer.put("id", id);
            answer.put("result", result);
            return answer;
        } catch (ToolException e) {
            int code = e.code() == ErrorCode.VALIDATION_ERROR ? -32602 : -32000;
            Map<String, Object> answer = rpcError(id, code, Sanitizer.clean(e.getMessage()));
            ((Map<String, Object>) answer.get("error")).put("data", Map.of("error_code", e.code().code()));
            return notification ? null : answer;
        } catch (RuntimeException e) {
            Map<String, Object> body = error(e);
            return notification ? null : rpcError(id, -32603, (String) body.get("message"));
        }
    }

    private static String string(Map<String, Object> p, String key) {
        Object v = p.get(key);
        return v == null ? null : String.valueOf(v);
    }

    private static Map<String, Object> rpcError(Object id, int code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("jsonrpc", "2.0");
        answer.put("id", id);
        answer.put("error", error);
        return answer;
    }
}
