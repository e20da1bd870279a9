package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.cli.TrainCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Architectures that cannot stream are refused by name with the reason, not as unknown. */
class NotStreamableTest {

    @ParameterizedTest
    @ValueSource(strings = {"birnn", "bilstm", "bigru", "bert", "linformer", "informer"})
    void isRefusedWithItsReasonNotAsUnknown(String name) {
        assertThatThrownBy(() -> Architectures.byName(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("architecture '" + name + "' is not streamable")
                .hasMessageContaining(Architectures.NOT_STREAMABLE.get(name))
                .hasMessageNotContaining("unknown");
    }

    @Test
    void theReasonsNameWhatBreaksStreaming() {
        assertThat(Architectures.NOT_STREAMABLE.get("birnn")).contains("depends on steps after t");
        assertThat(Architectures.NOT_STREAMABLE.get("linformer")).contains("along the sequence axis");
        assertThat(Architectures.NOT_STREAMABLE.get("informer")).contains("ProbSparse");
        assertThat(Architectures.names()).doesNotContainAnyElementsOf(Architectures.NOT_STREAMABLE.keySet());
    }

    @Test
    void trainRefusesBeforeReadingAnyData() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = TrainCommand.run(new String[]{"--data", "does-not-exist.csv", "--arch", "gru,birnn"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("streamcast train: architecture 'birnn' is not streamable, so streamcast does not train it: ")
                .contains("bidirectional");
    }

    @Test
    void anUnknownNameIsStillUnknown() {
        assertThatThrownBy(() -> Architectures.byName("nope")).hasMessageStartingWith("unknown architecture 'nope'");
    }
}
