package io.switchboard.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.Sanitizer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * The details of /observe/health (?data=true), written here instead of by Camel's management
 * server, which puts every check's raw text in them: exception messages and their causes (driver
 * names, hosts, paths, class names) and, on request (&stacktrace=true), whole stack traces. Same
 * shape (status, checks[name, status, message, error-message, data]), every text sanitised like a
 * tool error, never a stack trace. Without ?data=true Camel answers as before.
 */
final class HealthDetails implements Handler<RoutingContext> {

    /** Fully qualified Java names (java.sql.SQLException, org.postgresql.util.PSQLException): the code's insides. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.){2,}[A-Za-z_$][\\w$]*(?::\\s*)?");
    private static final Pattern JDBC_URL = Pattern.compile("(?i)\\bjdbc:[^\\s\"',;]+");

    private static final String OWN_GROUP = "switchboard";

    private final CamelContext camel;
    private final ObjectMapper mapper = new ObjectMapper();

    HealthDetails(CamelContext camel) {
        this.camel = camel;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (!"true".equalsIgnoreCase(ctx.request().getParam("data"))) {
            ctx.next();
            return;
        }
        String path = ctx.normalizedPath();
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        String kind = trimmed.equals(ObservabilityGuard.HEALTH) ? "all"
                : trimmed.equals(ObservabilityGuard.HEALTH + "/live") ? "live"
                : trimmed.equals(ObservabilityGuard.HEALTH + "/ready") ? "ready" : null;
        if (kind == null) {
            ctx.next();
            return;
        }
        // Checks may block (a database probe): not on the event loop.
        ctx.vertx().<Map<String, Object>>executeBlocking(() -> report(kind), false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"status\":\"DOWN\"}");
                return;
            }
            Map<String, Object> body = ar.result();
            try {
                ctx.response().setStatusCode("UP".equals(body.get("status")) ? 200 : 503)
                        .putHeader("Content-Type", "application/json").end(mapper.writeValueAsString(body));
            } catch (Exception e) {
                ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"status\":\"DOWN\"}");
            }
        });
    }

    private Map<String, Object> report(String kind) {
        Collection<HealthCheck.Result> results = switch (kind) {
            case "live" -> HealthCheckHelper.invokeLiveness(camel);
            case "ready" -> HealthCheckHelper.invokeReadiness(camel);
            default -> HealthCheckHelper.invoke(camel);
        };
        boolean up = true;
        List<Map<String, Object>> checks = new ArrayList<>();
        for (HealthCheck.Result r : results) {
            up &= r.getState() != HealthCheck.State.DOWN;
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("name", r.getCheck().getId());
            check.put("status", r.getState().name());
            r.getMessage().ifPresent(m -> check.put("message", clean(m)));
            r.getError().ifPresent(e -> check.put("error-message", clean(causes(e))));
            // Switchboard's own checks sanitise their text already (and name endpoints like /mcp/xmpp on purpose).
            boolean own = OWN_GROUP.equals(r.getCheck().getGroup());
            if (r.getDetails() != null && !r.getDetails().isEmpty()) {
                Map<String, Object> data = new TreeMap<>();
                r.getDetails().forEach((k, v) -> data.put(k, detail(v, own)));
                check.put("data", data);
            }
            checks.add(check);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        return body;
    }

    /** A detail's value: numbers, flags and timestamps as they are (a time is no host:port), text cleaned. */
    private static Object detail(Object value, boolean own) {
        if (value instanceof Number || value instanceof Boolean) {
            return value;
        }
        String text = String.valueOf(value);
        return own || value instanceof TemporalAccessor || isTimestamp(text) ? text : clean(text);
    }

    private static boolean isTimestamp(String text) {
        try {
            DateTimeFormatter.ISO_ZONED_DATE_TIME.parse(text);
            return true;
        } catch (DateTimeParseException notATime) {
            return false;
        }
    }

    /** The messages of an error and its causes, as Camel lists them, without their class names. */
    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 1000; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                sb.append(sb.length() == 0 ? "" : "; caused by: ").append(t.getMessage());
            }
        }
        return sb.length() == 0 ? "failed" : sb.toString();
    }

    /** Tool-error sanitising, then what a health text adds: JDBC URLs and Java class names. */
    static String clean(String text) {
        String s = Sanitizer.clean(JDBC_URL.matcher(text).replaceAll("[database]"));
        return CLASS_NAME.matcher(s).replaceAll("").strip();
    }
}
