package dev.streamcast.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state stores being restored from their changelogs right now (Quarkus installs this bean as
 * the client's restore listener): while any is, the instance is not ready, whatever the stream's state.
 */
@ApplicationScoped
public class Restorations implements StateRestoreListener {

    private final Set<String> restoring = ConcurrentHashMap.newKeySet();

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        restoring.add(store + "@" + partition);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition); // the task moved elsewhere mid-restore
    }

    /** Store partitions being restored now. */
    public int inProgress() {
        return restoring.size();
    }
}
