package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentGuardTest {

    ArgumentGuard guard = new ArgumentGuard(10, 10_000, 1_000, 100);

    @Test
    void ordinaryArgumentsPass() {
        assertThat(guard.check(Map.of("to", "bob@localhost", "tags", List.of("a", "b"), "meta", Map.of("k", 1)))).isEmpty();
    }

    @Test
    void limitsAreEnforcedWithThePathOfTheOffender() {
        assertThat(guard.check(Map.of("body", "x".repeat(10_001)))).hasValueSatisfying(m -> assertThat(m).contains("$.body"));
        assertThat(guard.check(Map.of("items", Collections.nCopies(1_001, 1)))).hasValueSatisfying(m -> assertThat(m).contains("$.items"));
        Map<String, Object> wide = new HashMap<>();
        for (int i = 0; i < 101; i++) {
            wide.put("k" + i, i);
        }
        assertThat(guard.check(Map.of("wide", wide))).hasValueSatisfying(m -> assertThat(m).contains("101 keys"));
    }

    @Test
    void depthCountsObjectsAndArrays() {
        Object value = "leaf";
        for (int i = 0; i < 9; i++) {
            value = i % 2 == 0 ? List.of(value) : Map.of("n", value);
        }
        // 1 (arguments) + 9 containers = 10 levels: allowed.
        assertThat(guard.check(Map.of("v", value))).isEmpty();
        assertThat(guard.check(Map.of("v", List.of(value)))).hasValueSatisfying(m -> assertThat(m).contains("deeper than 10"));
    }

    @Test
    void dangerousKeysAreRefusedAtAnyDepth() {
        List<Object> list = new ArrayList<>();
        list.add(Map.of("ok", Map.of("__proto__", 1)));
        assertThat(guard.check(Map.of("list", list))).hasValueSatisfying(m -> assertThat(m).contains("__proto__"));
        assertThat(ArgumentGuard.isDangerousKey("constructor")).isTrue();
        assertThat(ArgumentGuard.isDangerousKey("prototype")).isTrue();
        assertThat(ArgumentGuard.isDangerousKey("__anything")).isTrue();
        assertThat(ArgumentGuard.isDangerousKey("_private")).isFalse();
    }
}
