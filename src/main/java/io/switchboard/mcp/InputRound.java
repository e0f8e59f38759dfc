package io.switchboard.mcp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pass of a route through a multi round-trip request (2026-07-28). A route "resumes" by
 * running again from the start: each time it asks the client something ({@code mcp.elicit},
 * {@code mcp.sample}, {@code mcp.listRoots}), the answer is looked up here by key; when it is
 * missing, the route stops with {@code input_required} and a signed {@code requestState} holding
 * every answer so far, and the client's retry runs the route again with one more answer known.
 * So a route must ask before it acts: what precedes a question runs once per round.
 */
final class InputRound {

    private final String method;
    private final String name;
    private final Map<String, Object> capabilities;
    private final Map<String, Object> answers;
    private final RequestStates states;
    private int asked;

    private InputRound(String method, String name, Map<String, Object> capabilities, Map<String, Object> answers,
                       RequestStates states) {
        this.method = method;
        this.name = name;
        this.capabilities = capabilities;
        this.answers = answers;
        this.states = states;
    }

    /**
     * The round of a request: the answers of a verified {@code requestState} plus this retry's
     * {@code inputResponses}. Throws an invalid-params outcome when the state fails verification
     * or the responses are not a map of objects.
     */
    static InputRound open(StatelessCall call, String name, RequestStates states) {
        Map<String, Object> answers = new LinkedHashMap<>();
        if (call.requestState() != null) {
            answers.putAll(states.verify(call.requestState(), call.method(), name).orElseThrow(() ->
                    McpOutcome.error(McpOutcome.INVALID_PARAMS,
                            "requestState failed its integrity check (altered, expired or not issued for this request)", null)));
        }
        if (call.inputResponsesNull() || call.malformedResponses() != null) {
            throw McpOutcome.error(McpOutcome.INVALID_PARAMS, "inputResponses must be an object of responses", null);
        }
        if (call.inputResponses() != null) {
            for (Map.Entry<String, Object> e : call.inputResponses().entrySet()) {
                if (!(e.getValue() instanceof Map<?, ?>)) {
                    throw McpOutcome.error(McpOutcome.INVALID_PARAMS,
                            "inputResponses." + e.getKey() + " must be a result object", null);
                }
                answers.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Object> caps = call.clientCapabilities() == null ? Map.of() : call.clientCapabilities();
        return new InputRound(call.method(), name, caps, answers, states);
    }

    boolean supports(String capability) {
        return capabilities.get(capability) instanceof Map<?, ?>;
    }

    /** The key of the next question a route asks without naming one: the same on every pass. */
    String nextKey(String kind) {
        return kind + "-" + (++asked);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> answer(String key) {
        return (Map<String, Object>) answers.get(key);
    }

    /** Stops the route: the client is asked for {@code requests} (key → {method, params}). */
    McpOutcome inputRequired(Map<String, Object> requests) {
        return McpOutcome.inputRequired(requests, states.sign(method, name, answers));
    }
}
