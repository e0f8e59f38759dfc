package io.switchboard.store.doorbell;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.support.DefaultEndpoint;

/** One doorbell channel; see {@link DoorbellComponent}. */
@UriEndpoint(scheme = "doorbell", title = "Doorbell", syntax = "doorbell:channel", category = {Category.DATABASE})
public final class DoorbellEndpoint extends DefaultEndpoint {

    private final String channel;

    DoorbellEndpoint(String uri, DoorbellComponent component, String channel) {
        super(uri, component);
        this.channel = channel;
    }

    @Override
    public DoorbellComponent getComponent() {
        return (DoorbellComponent) super.getComponent();
    }

    String channel() {
        return channel;
    }

    @Override
    public Producer createProducer() {
        return new DoorbellProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        Consumer consumer = getComponent().postgres() ? new ListeningConsumer(this, processor) : new InProcessConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }
}
