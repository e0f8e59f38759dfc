package io.switchboard;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * Starts Switchboard: Camel Main with the routes in {@code routes/*.camel.yaml} and the beans of
 * {@link SwitchboardConfiguration}. Everything else lives in application.properties.
 */
public final class Switchboard {

    private Switchboard() {
    }

    public static void main(String[] args) throws Exception {
        // Smack and a few libraries log through java.util.logging: send it to log4j2 too.
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        Main main = new Main(Switchboard.class);
        // The first location that defines a key wins: an operator's config/ file overrides the packaged defaults.
        main.setDefaultPropertyPlaceholderLocation(
                "file:config/application.properties;optional=true,classpath:application.properties;optional=true");
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                // The folder where engineers drop routes is watched for changes, so it must exist.
                String dir = support.getCamelContext().resolvePropertyPlaceholders("{{switchboard.routes.dir}}");
                try {
                    Files.createDirectories(Path.of(dir));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("Cannot create the routes folder " + dir, e);
                }
            }
        });
        main.run(args);
    }
}
