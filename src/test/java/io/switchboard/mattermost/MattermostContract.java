package io.switchboard.mattermost;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.ValidationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Mattermost's official OpenAPI contract (9.8.1, the subset for the calls we use), read from
 * ../shared/contracts/mattermost beside the repository: its licence does not let us copy it in.
 * Every request the fake receives is checked against it.
 */
public final class MattermostContract {

    private final OpenApiInteractionValidator validator;

    private MattermostContract(OpenApiInteractionValidator validator) {
        this.validator = validator;
    }

    /** The contract file: SWITCHBOARD_MATTERMOST_CONTRACT, or {@code <repo>/../shared/contracts/mattermost/...}. */
    public static Path location() {
        String configured = System.getenv("SWITCHBOARD_MATTERMOST_CONTRACT");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.dir")).toAbsolutePath()
                .resolve("../shared/contracts/mattermost/mm-v4-subset-9.8.1.yaml").normalize();
    }

    public static MattermostContract load() {
        Path spec = location();
        if (!Files.isRegularFile(spec)) {
            // Never skip: a missing contract is a failed test run, with the reason.
            throw new IllegalStateException("Mattermost's contract is missing at " + spec
                    + " (the shared/ folder must sit beside the repository)");
        }
        return new MattermostContract(OpenApiInteractionValidator.createForSpecificationUrl(spec.toUri().toString()).build());
    }

    /** The contract's complaints about one request (empty when it conforms). */
    public List<String> violations(String method, String path, Map<String, List<String>> query,
                                   Map<String, String> headers, String jsonBody) {
        SimpleRequest.Builder b = new SimpleRequest.Builder(Request.Method.valueOf(method), path);
        query.forEach(b::withQueryParam);
        headers.forEach(b::withHeader);
        if (jsonBody != null) {
            b.withBody(jsonBody);
        }
        ValidationReport report = validator.validateRequest(b.build());
        return report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> method + " " + path + ": " + m.getKey() + " " + m.getMessage())
                .collect(Collectors.toList());
    }
}
