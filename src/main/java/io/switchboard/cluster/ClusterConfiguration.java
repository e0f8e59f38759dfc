package io.switchboard.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.observe.Meters;
import io.switchboard.observe.Systems;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Ordered;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.impl.cluster.ClusteredRoutePolicy;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The election of the instance that runs singletons, by Camel's cluster service (camel-cluster):
 * {@code none}, a file lock, or a Kubernetes Lease (see {@link ClusterMode}). Binds
 * {@code leaderOnly}, the route policy a singleton timer route names ({@code routePolicy: leaderOnly}),
 * and {@code leadership}, for what follows the election in Java. Knows no system.
 */
@Configuration
public class ClusterConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConfiguration.class);
    /** In the camel-kubernetes jar, added by the `kubernetes` Maven profile (it is large: see README). */
    static final String KUBERNETES_SERVICE = "org.apache.camel.component.kubernetes.cluster.KubernetesClusterService";

    @PropertyInject(value = "switchboard.cluster", defaultValue = "none")
    String cluster;
    @PropertyInject(value = "switchboard.cluster.namespace", defaultValue = "switchboard")
    String namespace;
    @PropertyInject(value = "switchboard.cluster.member-id", defaultValue = "")
    String memberId;
    @PropertyInject(value = "switchboard.port", defaultValue = "8080")
    String port;
    @PropertyInject(value = "switchboard.cluster.heartbeat-millis", defaultValue = "500")
    long heartbeatMillis;
    @PropertyInject(value = "switchboard.cluster.missed-heartbeats", defaultValue = "3")
    int missedHeartbeats;
    @PropertyInject(value = "switchboard.cluster.kubernetes.namespace", defaultValue = "")
    String kubernetesNamespace;
    @PropertyInject(value = "switchboard.cluster.kubernetes.lease-duration-millis", defaultValue = "15000")
    long leaseDurationMillis;
    @PropertyInject(value = "switchboard.cluster.kubernetes.renew-deadline-millis", defaultValue = "10000")
    long renewDeadlineMillis;
    @PropertyInject(value = "switchboard.cluster.kubernetes.retry-period-millis", defaultValue = "2000")
    long retryPeriodMillis;

    private ClusterMode mode;
    private CamelClusterService service;
    private Leadership leadership;
    private RoutePolicy leaderOnly;

    @BindToRegistry(value = "leadership", lazy = true)
    public synchronized Leadership leadership(CamelContext camel) throws Exception {
        if (leadership == null) {
            leadership = new Leadership(mode(), member(), service(camel), namespace);
            leadership.runListenersOn(camel.getExecutorServiceManager().newSingleThreadExecutor(leadership, "leadership"));
        }
        return leadership;
    }

    /** The singleton timers' policy: their routes run on the leader only; with `none` a policy that does nothing. */
    @BindToRegistry(value = "leaderOnly", lazy = true)
    public synchronized RoutePolicy leaderOnly(CamelContext camel) throws Exception {
        if (leaderOnly == null) {
            CamelClusterService s = service(camel);
            leaderOnly = s == null ? new RoutePolicySupport() { } : ClusteredRoutePolicy.forNamespace(s, namespace);
        }
        return leaderOnly;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        CamelClusterService s = service(camel);
        Leadership l = leadership(camel);
        if (s != null) {
            LOG.info("Cluster: {} as {} (namespace {}); singletons run on the leader only", mode().kind().name().toLowerCase(),
                    l.memberId(), namespace);
            camel.addService(s);
        }
        camel.addService(l);
        camel.addStartupListener(new ClusterStartup(l));
    }

    private synchronized ClusterMode mode() {
        if (mode == null) {
            mode = ClusterMode.parse(cluster);
        }
        return mode;
    }

    private String member() throws Exception {
        if (memberId != null && !memberId.isBlank()) {
            return memberId.trim();
        }
        if (mode().kind() == ClusterMode.Kind.KUBERNETES) {
            // A pod's host name is its name: what the Lease names as holder.
            String pod = System.getenv("HOSTNAME");
            return pod == null || pod.isBlank() ? InetAddress.getLocalHost().getHostName() : pod;
        }
        return InetAddress.getLocalHost().getHostName() + ":" + port;
    }

    private synchronized CamelClusterService service(CamelContext camel) throws Exception {
        if (service != null || !mode().shared()) {
            return service;
        }
        if (mode().kind() == ClusterMode.Kind.FILE) {
            Files.createDirectories(mode().lockFolder());
            FileLockClusterService file = new FileLockClusterService();
            file.setId(member());
            file.setRoot(mode().lockFolder().toString());
            // The leader rewrites its heartbeat every interval; a leader whose heartbeat is older
            // than missed-heartbeats intervals (killed, hung) is replaced.
            file.setAcquireLockInterval(heartbeatMillis, TimeUnit.MILLISECONDS);
            file.setAcquireLockDelay(heartbeatMillis, TimeUnit.MILLISECONDS);
            file.setHeartbeatTimeoutMultiplier(missedHeartbeats);
            service = file;
        } else {
            Class<?> type;
            try {
                type = camel.getClassResolver().resolveMandatoryClass(KUBERNETES_SERVICE);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("switchboard.cluster=kubernetes needs camel-kubernetes in the jar: build with "
                        + "`./mvnw -Pkubernetes package` (the Camel K image in deploy/camel-k does)");
            }
            CamelClusterService k8s = (CamelClusterService) camel.getInjector().newInstance(type);
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("id", member());
            props.put("podName", member());
            if (!kubernetesNamespace.isBlank()) {
                props.put("kubernetesNamespace", kubernetesNamespace);
            }
            props.put("leaseResourceType", "Lease");
            props.put("leaseDurationMillis", leaseDurationMillis);
            props.put("renewDeadlineMillis", renewDeadlineMillis);
            props.put("retryPeriodMillis", retryPeriodMillis);
            PropertyBindingSupport.build().withMandatory(true).bind(camel, k8s, props);
            service = k8s;
        }
        return service;
    }

    /** Reports the role: in switchboard_info and health data (never gating readiness), and as a gauge. */
    private record ClusterStartup(Leadership leadership) implements StartupListener, Ordered {
        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) {
            Systems systems = camel.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (systems != null && leadership.shared()) {
                systems.register("cluster", () -> new Systems.Status("cluster", true, Systems.State.CONNECTED,
                        leadership.leader() ? leadership.memberId() + " leads"
                                : leadership.memberId() + " follows " + leadership.leaderId().orElse("(leader not known yet)"),
                        false));
            }
            MeterRegistry registry = Meters.registry(camel).get();
            if (registry != null) {
                Gauge.builder("switchboard.cluster.leader", leadership, l -> l.leader() ? 1 : 0)
                        .description("1 while this instance is the elected leader (runs the singletons), else 0")
                        .register(registry);
            }
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST - 2;
        }
    }
}
