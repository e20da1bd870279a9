package dev.streamcast.local.process;

import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

import java.util.List;
import java.util.Map;

/**
 * For tests whose feature history has event times long past (2023) and spans more than a segment's 7 days of event
 * time: its first segments roll, and the broker's first retention check (30 s after it starts) would delete them under
 * the contract's 7-day {@code retention.ms}, leaving whatever reads the history later a few rows.
 */
final class PastEventTimes {

    private PastEventTimes() {
    }

    /** Keeps every record of {@code features} ({@code retention.ms=-1}). */
    static void keepFeatures(Admin admin) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.FEATURES.name()),
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "-1"), AlterConfigOp.OpType.SET)))).all().get();
    }
}
