package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** SWITCHBOARD_CLUSTER as an operator writes it. */
class ClusterModeTest {

    @Test
    void noneOrEmptyIsOneInstance() {
        assertThat(ClusterMode.parse("none").shared()).isFalse();
        assertThat(ClusterMode.parse("").shared()).isFalse();
        assertThat(ClusterMode.parse(null).kind()).isEqualTo(ClusterMode.Kind.NONE);
    }

    @Test
    void fileNamesTheLockFolder() {
        ClusterMode mode = ClusterMode.parse("file:/var/lib/switchboard/cluster");
        assertThat(mode.kind()).isEqualTo(ClusterMode.Kind.FILE);
        assertThat(mode.lockFolder()).isEqualTo(Path.of("/var/lib/switchboard/cluster"));
        assertThat(mode.shared()).isTrue();
    }

    @Test
    void kubernetesIsALease() {
        assertThat(ClusterMode.parse("kubernetes").kind()).isEqualTo(ClusterMode.Kind.KUBERNETES);
    }

    @Test
    void anythingElseIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> ClusterMode.parse("zookeeper"))
                .hasMessageContaining("none, file:<folder> or kubernetes");
        assertThatThrownBy(() -> ClusterMode.parse("file:"))
                .hasMessageContaining("needs a folder");
    }
}
