package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutboundAllowListTest {

    @Test
    void entriesMatchHostAndPortWithWildcards() {
        OutboundAllowList list = new OutboundAllowList("broker.lan:1883, *.example.org:8883, [::1]:*, 10.0.0.5:*", "X");
        assertThat(list.check("broker.lan", 1883)).isEqualTo("broker.lan");
        assertThat(list.check("BROKER.LAN.", 1883)).isEqualTo("broker.lan");
        assertThat(list.check("eu.example.org", 8883)).isEqualTo("eu.example.org");
        assertThat(list.check("::1", 1)).isEqualTo("[0:0:0:0:0:0:0:1]");
        assertThat(list.check("[0:0::1]", 9)).isEqualTo("[0:0:0:0:0:0:0:1]");
        assertThat(list.check("10.0.0.5", 1883)).isEqualTo("10.0.0.5");
        // 167772165 is 10.0.0.5 written as one number: the same address, so the same answer.
        assertThat(list.check("167772165", 1)).isEqualTo("10.0.0.5");
        for (Object[] refused : new Object[][] {{"broker.lan", 1884}, {"example.org", 8883}, {"eu.example.org.evil", 8883},
                {"10.0.0.6", 1883}, {"167772166", 1883}}) {
            assertThatThrownBy(() -> list.check((String) refused[0], (Integer) refused[1]))
                    .isInstanceOf(ToolException.class).hasMessageContaining("X");
        }
    }

    @Test
    void anEmptyListAllowsEverythingAndABadEntryStopsStartUp() {
        assertThat(new OutboundAllowList("", "X").restricts()).isFalse();
        assertThat(new OutboundAllowList(" , ", "X").check("127.1", 1)).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> new OutboundAllowList("broker.lan", "X")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> new OutboundAllowList("broker.lan:http", "X")).hasMessageContaining("port");
        assertThatThrownBy(() -> new OutboundAllowList("[::1]", "X")).hasMessageContaining("host:port");
    }
}
