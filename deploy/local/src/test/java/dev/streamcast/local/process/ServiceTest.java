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
    void everyProgramThatRunsOnnxRuntimeGetsItsStack() {
        // ./streamcast train, bench accuracy and bench parity: ONNX Runtime's start-up overflows the default stack
        for (Service program : List.of(Service.TRAINER, Service.ACCURACY_BENCH, Service.PARITY_BENCH)) {
            List<String> command = program.command(List.of(), List.of(), List.of());
            assertThat(command).as(program.launcherName()).contains("-Xss8m");
            assertThat(command.indexOf("-Xss8m")).as(program.launcherName()).isLessThan(command.indexOf("-cp"));
        }
        for (Service service : List.of(Service.INGEST, Service.REGISTRY, Service.FORECASTER, Service.TRAINER_SERVICE)) {
            if (service.built()) {
                List<String> command = service.command(List.of(), List.of(), List.of());
                assertThat(command.indexOf("-Xss8m")).as(service.launcherName()).isBetween(1, command.indexOf("-jar"));
            }
        }
    }

    @Test
    void quarkusServicesRunTheApplicationTheirModuleBuilds() {
        for (Service service : List.of(Service.INGEST, Service.REGISTRY, Service.FORECASTER, Service.TRAINER_SERVICE)) {
            Path application = service.application();
            assertThat(application.getFileName()).hasToString("quarkus-run.jar");
            assertThat(application.toString()).doesNotContain("..").contains(service == Service.REGISTRY
                    ? Path.of("model-registry", "service").toString() : service == Service.TRAINER_SERVICE ? "trainer"
                    : service.launcherName());
        }
        assertThatThrownBy(Service.TRAINER::application).hasMessageContaining("class path");
    }

    @Test
    void programsAreFoundByTheirLauncherNames() {
        assertThat(Service.named("bench-parity")).isEqualTo(Service.PARITY_BENCH);
        assertThatThrownBy(() -> Service.named("birnn")).hasMessageContaining("'birnn'").hasMessageContaining("train");
    }
}
