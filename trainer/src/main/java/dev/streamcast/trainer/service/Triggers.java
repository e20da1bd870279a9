package dev.streamcast.trainer.service;

import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.registry.client.RegistryException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** The triggers that need no request: the schedule, and a first run when the model has no champion yet. */
@ApplicationScoped
public class Triggers {

    private static final Logger LOG = Logger.getLogger(Triggers.class);

    private final Runs runs;
    private final TrainerServiceConfig config;

    Triggers(Runs runs, TrainerServiceConfig config) {
        this.runs = runs;
        this.config = config;
    }

    void onStart(@Observes StartupEvent start) {
        if (!config.schedule().bootstrap()) {
            return;
        }
        Thread check = new Thread(this::bootstrapIfNoChampion, "trainer-bootstrap");
        check.setDaemon(true);
        check.start();
    }

    /**
     * Asks the registry whether the model has a champion, every 5 s until it answers (it may start after this
     * service), and starts a run when it has none.
     */
    private void bootstrapIfNoChampion() {
        boolean warned = false;
        while (true) {
            try {
                RegistryClient registry = Runs.registry(config).maxAttempts(1).build();
                boolean champion;
                try {
                    champion = registry.model(config.model()).aliases().containsKey("champion");
                } catch (RegistryException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    champion = false;
                }
                if (!champion) {
                    runs.submit(Run.Trigger.BOOTSTRAP, "model " + config.model() + " has no champion yet");
                }
                return;
            } catch (RuntimeException e) {
                if (!warned) {
                    LOG.warnf("could not ask the registry at %s whether %s has a champion (%s); asking again every 5 s",
                            config.registry().url(), config.model(), e.getMessage());
                    warned = true;
                }
            }
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private volatile boolean first = true;

    /** Every {@code trainer.schedule.every}, from one interval after start (the first tick, at start, is skipped). */
    @Scheduled(every = "${trainer.schedule.every}", identity = "retrain", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (first) {
            first = false;
            return;
        }
        runs.submit(Run.Trigger.SCHEDULE, "every " + config.schedule().every());
    }
}
