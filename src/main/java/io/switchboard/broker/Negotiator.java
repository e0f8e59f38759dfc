package io.switchboard.broker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.semver4j.Semver;

/**
 * broker_negotiate_capabilities: what two agents can talk about. For each protocol both know, the
 * highest version both speak; where they share none, whether an adapter route bridges them.
 */
public final class Negotiator {

    /** Whether a route {@code direct:adapt-<protocol>-<from>-<to>} exists. */
    public interface Adapters {
        boolean exists(String protocol, String from, String to);
    }

    private final Adapters adapters;

    public Negotiator(Adapters adapters) {
        this.adapters = adapters;
    }

    public Map<String, Object> negotiate(BrokerSession a, BrokerSession b, List<Map<String, Object>> required) {
        Map<String, List<String>> pa = a.capabilities().supportedProtocols();
        Map<String, List<String>> pb = b.capabilities().supportedProtocols();
        Set<String> names = new LinkedHashSet<>(pa.keySet());
        names.retainAll(pb.keySet());
        Map<String, String> supported = new LinkedHashMap<>();
        List<Map<String, Object>> incompatibilities = new ArrayList<>();
        for (String name : names) {
            Optional<String> common = highestCommon(pa.get(name), pb.get(name));
            if (common.isPresent()) {
                supported.put(name, common.get());
            } else {
                incompatibilities.add(incompatibility(name, pa.get(name), pb.get(name)));
            }
        }
        boolean compatible = incompatibilities.isEmpty();
        if (required != null) {
            for (Map<String, Object> r : required) {
                String name = String.valueOf(r.get("name"));
                String version = r.get("version") == null ? null : String.valueOf(r.get("version"));
                boolean aHas = pa.getOrDefault(name, List.of()).stream().anyMatch(v -> version == null || v.equals(version));
                boolean bHas = pb.getOrDefault(name, List.of()).stream().anyMatch(v -> version == null || v.equals(version));
                if (!aHas || !bHas) {
                    compatible = false;
                    if (incompatibilities.stream().noneMatch(i -> name.equals(i.get("protocol")))) {
                        incompatibilities.add(incompatibility(name, pa.getOrDefault(name, List.of()), pb.getOrDefault(name, List.of())));
                    }
                }
            }
        }
        Set<String> fa = new LinkedHashSet<>(a.capabilities().supportedFeatures());
        Set<String> fb = new LinkedHashSet<>(b.capabilities().supportedFeatures());
        Set<String> intersection = new LinkedHashSet<>(fa);
        intersection.retainAll(fb);
        Set<String> unsupported = new LinkedHashSet<>(fa);
        unsupported.addAll(fb);
        unsupported.removeAll(intersection);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("compatible", compatible);
        result.put("supported_protocols", supported);
        result.put("feature_intersections", List.copyOf(intersection));
        result.put("unsupported_features", List.copyOf(unsupported));
        result.put("incompatibilities", incompatibilities);
        return result;
    }

    private Map<String, Object> incompatibility(String name, List<String> mine, List<String> theirs) {
        String suggestion;
        Optional<String[]> bridge = bridge(name, mine, theirs);
        if (mine.isEmpty() || theirs.isEmpty()) {
            suggestion = "One side does not support " + name + " at all";
        } else if (bridge.isPresent()) {
            suggestion = "Messages can be adapted from " + bridge.get()[0] + " to " + bridge.get()[1]
                    + " (route direct:adapt-" + name + "-" + bridge.get()[0] + "-" + bridge.get()[1] + ")";
        } else {
            suggestion = "No common version and no adapter: add a route direct:adapt-" + name + "-<from>-<to>, "
                    + "or have one side support a version of the other";
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", name);
        m.put("session_a_versions", mine);
        m.put("session_b_versions", theirs);
        m.put("suggestion", suggestion);
        return m;
    }

    private Optional<String[]> bridge(String name, List<String> mine, List<String> theirs) {
        for (String from : mine) {
            for (String to : theirs) {
                if (adapters.exists(name, from, to)) {
                    return Optional.of(new String[] {from, to});
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> highestCommon(List<String> a, List<String> b) {
        return a.stream().filter(b::contains).filter(Semver::isValid).max(Comparator.comparing(Semver::new));
    }
}
