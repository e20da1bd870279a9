package dev.streamcast.local.process;

import dev.streamcast.trainer.cli.TrainCommand;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceTest {

    @Test
    void trainerRunsFromThisClassPathWithTheStackOnnxRuntimeNeeds() {
        List<String> command = Service.TRAINER.command(List.of("-Xmx3g"), List.of("a.b=c"), List.of("--arch", "gru"));

        assertThat(command).containsSubsequence("-XX:+UseSerialGC", "-Xss8m", "-Xmx2g", "-Xmx3g", "-Da.b=c", "-cp",
                System.getProperty("java.class.path"), TrainCommand.class.getName(), "--arch", "gru");
        assertThat(command.get(command.size() - 3)).isEqualTo(TrainCommand.class.getName());
    }

    @Test
    void quarkusServicesRunTheApplicationTheirModuleBuilds() {
        for (Service service : List.of(Service.INGEST, Service.REGISTRY, Service.FORECASTER)) {
            Path application = service.application();
            assertThat(application.getFileName()).hasToString("quarkus-run.jar");
            assertThat(application.toString()).doesNotContain("..").contains(service == Service.REGISTRY
                    ? Path.of("model-registry", "service").toString() : service.launcherName());
        }
        assertThatThrownBy(Service.TRAINER::application).hasMessageContaining("class path");
    }

    @Test
    void programsAreFoundByTheirLauncherNames() {
        assertThat(Service.named("bench-parity")).isEqualTo(Service.PARITY_BENCH);
        assertThatThrownBy(() -> Service.named("birnn")).hasMessageContaining("'birnn'").hasMessageContaining("train");
    }
}
