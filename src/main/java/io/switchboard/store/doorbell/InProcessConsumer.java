package io.switchboard.store.doorbell;

import java.util.concurrent.ExecutorService;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;

/**
 * The doorbell of a single instance (SQLite): rings from this process, in order, on a thread of
 * its own so that the ringing sender (often in a transaction's after-commit) is not held up.
 */
final class InProcessConsumer extends DefaultConsumer {

    private final DoorbellEndpoint endpoint;
    private ExecutorService executor;

    InProcessConsumer(DoorbellEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    void ring(String payload) {
        ExecutorService e = executor;
        if (e == null || e.isShutdown()) {
            return;
        }
        e.execute(() -> {
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(payload);
            try {
                getProcessor().process(exchange);
            } catch (Exception x) {
                exchange.setException(x);
            }
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Doorbell ring failed", exchange, exchange.getException());
            }
            releaseExchange(exchange, false);
        });
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        executor = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "doorbell-" + endpoint.channel());
        endpoint.getComponent().subscribe(endpoint.channel(), this);
    }

    @Override
    protected void doStop() throws Exception {
        endpoint.getComponent().unsubscribe(endpoint.channel(), this);
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownGraceful(executor);
        }
        super.doStop();
    }
}
