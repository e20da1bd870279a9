package dev.streamcast.local.broker;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalBrokerTest {

    @TempDir
    Path dataDir;

    private LocalBroker.Settings freePorts() {
        return new LocalBroker.Settings(dataDir, "127.0.0.1", Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1"));
    }

    @Test
    void formatsOnceCreatesEveryTopicAndKeepsDataAcrossRestarts() throws Exception {
        LocalBroker.Settings settings = freePorts();

        try (LocalBroker broker = LocalBroker.start(settings)) {
            assertThat(broker.createdTopics()).containsExactlyInAnyOrderElementsOf(Topics.ALL.stream().map(TopicSpec::name).toList());
            assertThat(Files.exists(dataDir.resolve("kafka-logs/meta.properties"))).isTrue();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(Topics.TEXT_EVENTS.name(), "t-1", "kept")).get();
            }
        }
        assertThat(Ports.isFree(settings.host(), settings.port())).as("the broker released its port").isTrue();

        try (LocalBroker again = LocalBroker.start(settings)) {
            assertThat(again.createdTopics()).as("topics survived the restart").isEmpty();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).containsAll(Topics.ALL.stream().map(TopicSpec::name).toList());
            }
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "restart-check",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(Topics.TEXT_EVENTS.name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                }
            }
            assertThat(values).containsExactly("kept");
        }
    }

    @Test
    void aTakenPortIsRefusedWithAClearMessage() throws Exception {
        LocalBroker.Settings settings = freePorts();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), settings.port()));

            assertThatThrownBy(() -> LocalBroker.start(settings))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("Kafka port 127.0.0.1:" + settings.port() + " is already in use (another broker, or another"
                            + " program?). Stop it, or choose another port with --port.");
        }
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), settings.controllerPort()));
            assertThatThrownBy(() -> LocalBroker.start(settings))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("KRaft controller port").hasMessageContaining("--controller-port");
        }
        assertThat(Files.exists(dataDir.resolve("kafka-logs"))).as("nothing formatted for a refused start").isFalse();
    }

    @Test
    void optionsRefuseTyposAndBadNumbers() {
        Map<String, String> defaults = Map.of("--port", "9092");
        assertThatThrownBy(() -> Options.parse(new String[]{"--prot", "1"}, defaults, "broker"))
                .hasMessageContaining("unknown option --prot").hasMessageContaining("--port (9092)");
        assertThatThrownBy(() -> Options.parse(new String[]{"--port"}, defaults, "broker"))
                .hasMessageContaining("option --port needs a value");
        assertThatThrownBy(() -> Options.parse(new String[]{"--port=abc"}, defaults, "broker").getInt("--port"))
                .hasMessage("streamcast broker: --port must be a whole number, got 'abc'");
        Options given = Options.parse(new String[]{"--port=9999"}, defaults, "broker");
        assertThat(given.getInt("--port")).isEqualTo(9999);
        assertThat(given.given("--port")).isTrue();
    }
}
