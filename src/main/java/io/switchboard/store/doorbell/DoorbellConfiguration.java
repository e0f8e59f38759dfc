package io.switchboard.store.doorbell;

import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/** Binds the {@code doorbell:} component on the store the other beans use. */
@Configuration
public class DoorbellConfiguration implements CamelConfiguration {

    @PropertyInject(value = "switchboard.db.url", defaultValue = "")
    String url;
    @PropertyInject(value = "switchboard.db.user", defaultValue = "")
    String user;
    @PropertyInject(value = "switchboard.db.password", defaultValue = "")
    String password;
    @PropertyInject(value = "switchboard.broker.instance-id", defaultValue = "")
    String instanceId;
    @PropertyInject(value = "switchboard.doorbell.first-backoff", defaultValue = "PT0.1S")
    String firstBackoff;
    @PropertyInject(value = "switchboard.doorbell.max-backoff", defaultValue = "PT5S")
    String maxBackoff;
    @PropertyInject(value = "switchboard.doorbell.catch-up-margin", defaultValue = "PT2S")
    String catchUpMargin;

    @BindToRegistry(value = "doorbell", lazy = true)
    public DoorbellComponent doorbell(CamelContext camel) {
        DataSource pool = camel.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        Properties login = new Properties();
        if (!user.isBlank()) {
            login.setProperty("user", user);
        }
        if (!password.isBlank()) {
            login.setProperty("password", password);
        }
        // Named, so an operator (and the reconnection test) can find it in pg_stat_activity.
        String name = "switchboard-doorbell" + (instanceId.isBlank() ? "" : " " + instanceId.trim());
        login.setProperty("ApplicationName", name.length() > 63 ? name.substring(0, 63) : name);
        login.setProperty("tcpKeepAlive", "true");
        return new DoorbellComponent(pool, url == null ? "" : url.trim(), login,
                Duration.parse(firstBackoff.trim()), Duration.parse(maxBackoff.trim()), Duration.parse(catchUpMargin.trim()));
    }
}
