package dev.streamcast.trainer.service;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** trainer.run.options: the command's options, the baselines always trained, what the service sets refused. */
class RunOptionsTest {

    static final List<String> BASELINES = List.of("last-value", "seasonal-naive");

    @Test
    void theBaselinesAreAlwaysTrainedAfterTheConfiguredArchitectures() {
        assertThat(Runs.options(" --mode S  --arch gru,last-value --epochs 3 ", BASELINES))
                .containsExactly("--mode", "S", "--arch", "gru,last-value,seasonal-naive", "--epochs", "3", "--select-on", "latest");
        assertThat(Runs.options("--mode M --select-on earlier", BASELINES))
                .containsExactly("--mode", "M", "--select-on", "earlier", "--arch", "dlinear,last-value,seasonal-naive");
    }

    @Test
    void anOptionTheServiceSetsOrTheCommandDoesNotKnowIsRefusedByName() {
        assertThatThrownBy(() -> Runs.options("--mode S --data x.csv", BASELINES))
                .hasMessage("trainer.run.options: --data is set by the service itself; remove it");
        assertThatThrownBy(() -> Runs.options("--mode S --alias champion", BASELINES)).hasMessageContaining("--alias is set by the service");
        assertThatThrownBy(() -> Runs.options("--mode S --out=/elsewhere", BASELINES))
                .as("the = form, which would win over the service's own").hasMessageContaining("--out is set by the service");
        assertThatThrownBy(() -> Runs.options("--mode S --epoch 3", BASELINES))
                .hasMessageStartingWith("trainer.run.options: ").hasMessageContaining("--epoch");
    }
}
