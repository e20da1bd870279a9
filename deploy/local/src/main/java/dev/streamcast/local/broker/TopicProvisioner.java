package dev.streamcast.local.broker;

import dev.streamcast.contracts.topics.TopicSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the topics that do not exist yet, with their declared partitions and configs
 * ({@link TopicSpec#configs()}): the cleanup policy, and on every delete topic the contract's
 * {@code retention.ms} ({@link TopicSpec#RETENTION}, seven days), so that a broker whose
 * {@code log.retention.*} default is shorter cannot delete event-time records that ingest's
 * {@code ingest.timestamps.max-past} still accepts. Topics that exist are left as they are: ingest
 * checks the retention of {@code features} when it starts.
 */
public final class TopicProvisioner {

    private TopicProvisioner() {
    }

    /** Returns the names of the topics it created (those that already existed are left as they are). */
    public static List<String> ensure(Admin admin, Collection<TopicSpec> topics, short replicationFactor)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec topic : topics) {
            if (!existing.contains(topic.name())) {
                missing.add(new NewTopic(topic.name(), topic.partitions(), replicationFactor).configs(topic.configs()));
            }
        }
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result : admin.createTopics(missing).values().entrySet()) {
            try {
                result.getValue().get(30, TimeUnit.SECONDS);
                created.add(result.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }
}
