package dev.streamcast.health;

import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.testkit.KafkaFixture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two static members of one Kafka Streams application on a real broker, with a session timeout of
 * 45 s: a member that {@link StreamClose} stops with {@code leave-group=true} (a deliberate
 * scale-down) hands its partitions over at once; with {@code auto} (a static member restarting)
 * they wait for it, as a rolling restart wants.
 */
class LeaveGroupOnCloseTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    static final int PARTITIONS = 4;

    @TempDir
    Path state;

    KafkaStreams member(String app, String id) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), app + "-in")
                .addSink("out", app + "-out", Serdes.String().serializer(), Serdes.String().serializer(), "in");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(id).toString());
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 45_000);
        KafkaStreams streams = new KafkaStreams(topology, p);
        streams.start();
        return streams;
    }

    static int tasks(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    static StreamClose closer(KafkaStreams streams, String leaveGroup) {
        StreamClose close = new StreamClose();
        close.streams = streams;
        close.leaveGroup = leaveGroup;
        close.timeout = Duration.ofSeconds(30);
        close.instanceId = java.util.Optional.of("static");
        return close;
    }

    /** Starts two members, both with tasks; returns them. */
    List<KafkaStreams> twoMembers(String app) {
        kafka.createTopics(List.of(new TopicSpec(app + "-in", PARTITIONS, false, "test input"),
                new TopicSpec(app + "-out", PARTITIONS, false, "test output")));
        KafkaStreams a = member(app, "a");
        KafkaStreams b = member(app, "b");
        await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == KafkaStreams.State.RUNNING
                && b.state() == KafkaStreams.State.RUNNING && tasks(a) > 0 && tasks(b) > 0 && tasks(a) + tasks(b) == PARTITIONS);
        return List.of(a, b);
    }

    @Test
    void aDeliberateScaleDownLeavesTheGroupSoTheOtherMemberTakesItsPartitionsAtOnce() {
        List<KafkaStreams> members = twoMembers("scale-down");
        try (KafkaStreams a = members.get(0)) {
            closer(members.get(1), "true").close(null);

            // well before the 45 s session timeout
            await().atMost(Duration.ofSeconds(20)).until(() -> tasks(a) == PARTITIONS);
        }
    }

    @Test
    void aStaticMemberThatStopsWithAutoKeepsItsPartitionsForItsReturn() {
        List<KafkaStreams> members = twoMembers("restart");
        try (KafkaStreams a = members.get(0)) {
            int before = tasks(a);
            closer(members.get(1), "auto").close(null);

            // no rebalance: the stopped member's partitions wait for it (up to the session timeout)
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).until(() -> tasks(a) == before);
            assertThat(before).isLessThan(PARTITIONS);
        }
    }
}
