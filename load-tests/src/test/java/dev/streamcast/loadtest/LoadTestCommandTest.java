package dev.streamcast.loadtest;

import dev.streamcast.contracts.cli.Options;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadTestCommandTest {

    private static LoadTest.Config config(String... args) {
        return LoadTestCommand.config(Options.parse(LoadTestCommand.flags(args), LoadTestCommand.OPTIONS, "load-test"));
    }

    @Test
    void streamThreadsAndCommitIntervalGoToEveryStagesKafkaStreamsSettings() {
        LoadTest.Config c = config("--scenario", "many-entities-100k", "--stream-threads", "2", "--commit-interval-ms", "50");

        assertThat(c.system().streams()).containsEntry("num.stream.threads", "2").containsEntry("commit.interval.ms", "50");
        assertThat(config("--scenario", "steady").system().streams()).doesNotContainKey("num.stream.threads");
    }

    @Test
    void aStreamThreadCountOutOfRangeIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> config("--stream-threads", "0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streamcast load-test: --stream-threads must be between 1 and 64, got 0");
    }

    @Test
    void ingestKeepsItsWindowsInRocksDbFromTenToTheFiveEntitiesUnlessTold() {
        assertThat(config("--scenario", "steady").system().ingestStore()).isEqualTo("in-memory");
        assertThat(config("--entities", "99999").system().ingestStore()).isEqualTo("in-memory");
        assertThat(config("--scenario", "many-entities-100k").system().ingestStore()).isEqualTo("rocksdb");
        assertThat(config("--scenario", "many-entities-100k", "--ingest-store", "in-memory").system().ingestStore())
                .isEqualTo("in-memory");
    }
}
