package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.cli.Options;
import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.data.SeriesTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainCommandTest {

    @TempDir
    Path dir;

    private Path csv(int rows) throws Exception {
        SeriesTable table = TestSeries.hourly(rows, List.of("HUFL", "OT"), 9);
        DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
        StringBuilder text = new StringBuilder("date,HUFL,OT\n");
        for (int r = 0; r < rows; r++) {
            text.append(format.format(Instant.ofEpochMilli(table.timestamps()[r]))).append(',')
                    .append(table.values()[r][0]).append(',').append(table.values()[r][1]).append('\n');
        }
        Path file = dir.resolve("small.csv");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void trainsWritesVerifiedBundlesAndPrintsTheTable() throws Exception {
        Path data = csv(600);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = TrainCommand.run(new String[]{"--data", data.toString(), "--arch", "last-value,dlinear,gru",
                "--mode", "M", "--horizon", "12", "--lookback", "24", "--epochs", "2", "--hidden", "8",
                "--max-train-windows", "64", "--out", dir.resolve("models").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(status).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).containsPattern("gru +epoch  1/2  loss \\d+\\.\\d{4}  val \\d+\\.\\d{4}").contains("architecture")
                // each learned architecture's rate is chosen on the validation split: its own and one more
                .containsPattern("dlinear +learning rate 1e-04: validation mse \\d+\\.\\d{4}")
                .containsPattern("dlinear +learning rate 1e-03: validation mse \\d+\\.\\d{4}")
                .containsPattern("gru +learning rate 3e-04: validation mse \\d+\\.\\d{4}")
                .containsPattern("dlinear +\\d+\\.\\d{4} +\\d+\\.\\d{4} +\\d+\\.\\d{4} +1e-0[34] +600 ")
                .containsPattern("champion \\(lowest validation mse, baselines included\\): (last-value|dlinear|gru)");
        for (String arch : List.of("last-value", "dlinear", "gru")) {
            BundleManifest manifest = Manifests.read(dir.resolve("models/small-M-h12").resolve(arch));
            assertThat(manifest.architecture()).isEqualTo(arch);
            assertThat(manifest.name()).isEqualTo("small-M-h12");
            assertThat(manifest.metrics()).containsKeys("mse", "mae", "val_mse", "step_us_b1", "step_us_b256");
            assertThat(manifest.featureSpec().names()).containsExactly("HUFL", "OT");
        }
    }

    @Test
    void inputsChooseTheColumnsTheModelReads() throws Exception {
        Path data = csv(600);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TrainCommand.run(new String[]{"--data", data.toString(), "--arch", "dlinear", "--mode", "MS", "--target", "OT",
                "--inputs", "HU*", "--horizon", "12", "--lookback", "24", "--epochs", "1", "--max-train-windows", "64",
                "--learning-rates", "default", "--name", "covariates", "--out", dir.resolve("models").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(status).isZero();
        BundleManifest manifest = Manifests.read(dir.resolve("models/covariates/dlinear"));
        assertThat(manifest.featureSpec().names()).containsExactly("OT", "HUFL");
        assertThat(manifest.targets()).containsExactly("OT");

        assertThat(TrainCommand.run(new String[]{"--data", data.toString(), "--mode", "S", "--inputs", "HUFL"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--inputs: mode S reads its target alone");
    }

    @Test
    void historyKeepsTheLatestRowsAndARefitAddsTheValidationRows() throws Exception {
        Path data = csv(600);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TrainCommand.run(new String[]{"--data", data.toString(), "--arch", "dlinear,last-value", "--horizon", "12",
                "--lookback", "24", "--epochs", "2", "--learning-rates", "default", "--history", "PT300H", "--refit", "true",
                "--name", "recent", "--out", dir.resolve("models").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--history PT300H: 300 of 600 rows")
                .contains("each refitted on training and validation after the choice");
        BundleManifest manifest = Manifests.read(dir.resolve("models/recent/dlinear"));
        assertThat(manifest.trainingData().rows()).as("60 % of the 300 latest rows and the 20 % of validation").isEqualTo(240);

        PrintStream ignored = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        err.reset();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(TrainCommand.run(new String[]{"--data", data.toString(), "--history", "yesterday"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--history must be 'all' or an ISO-8601 duration");
        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", data.toString(), "--history", "PT5H", "--lookback", "24"}, ignored, errors))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("rows are too few for look-back 24");
        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", data.toString(), "--refit", "maybe"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--refit must be true");
    }

    @Test
    void theRegistryTokenComesFromItsFileTheOptionOrTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("write-token"), "# the registry's write token\n\n  file-token-0123456789 \nnext\n");
        Map<String, String> environment = Map.of(RegistryClient.TOKEN_ENV, "env-token-0123456789");

        assertThat(TrainCommand.token(options("--token-file", file.toString()), environment::get)).contains("file-token-0123456789");
        assertThat(TrainCommand.token(options("--token", "option-token-0123456789"), environment::get))
                .contains("option-token-0123456789");
        assertThat(TrainCommand.token(options(), environment::get)).contains("env-token-0123456789");
        assertThat(TrainCommand.token(options(), name -> null)).isEmpty();

        assertThatThrownBy(() -> TrainCommand.token(options("--token-file", file.toString(), "--token", "x"), environment::get))
                .hasMessage("--token and --token-file: give one of them, not both");
        Path empty = Files.writeString(dir.resolve("empty-token"), "# nothing here\n\n");
        assertThatThrownBy(() -> TrainCommand.token(options("--token-file", empty.toString()), environment::get))
                .hasMessage("--token-file " + empty + ": holds no token");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path missing = dir.resolve("no-such-token");
        assertThat(TrainCommand.run(new String[]{"--data", "unused.csv", "--publish", "http://127.0.0.1:1", "--token-file",
                missing.toString()}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--token-file " + missing + ": no such file");
    }

    @Test
    void theFeaturesConsumerTakesItsSecurityFromKafkaVariablesAndTheBrokerFromTheOptionFirst() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"trainer\" password=\"p\";";
        Map<String, String> environment = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "streamcast-kafka-bootstrap:9093",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", jaas,
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/streamcast/kafka-ca/ca.crt",
                "KAFKA_HEAP_OPTS", "-Xmx1g");

        assertThat(TrainCommand.kafkaClient(options(), environment)).isEqualTo(Map.of(
                "bootstrap.servers", "streamcast-kafka-bootstrap:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", jaas,
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", "/etc/streamcast/kafka-ca/ca.crt"));
        assertThat(TrainCommand.kafkaClient(options("--bootstrap-servers", "kafka-0:9093"), environment))
                .containsEntry("bootstrap.servers", "kafka-0:9093").containsEntry("security.protocol", "SASL_SSL");
        assertThat(TrainCommand.kafkaClient(options(), Map.of("HOME", "/root"))).as("nothing set: plaintext to the default broker")
                .isEqualTo(Map.of("bootstrap.servers", "127.0.0.1:9092"));
    }

    private static Options options(String... args) {
        return Options.parse(args, TrainCommand.OPTIONS, "train");
    }

    @Test
    void badInputExitsWithTwoAndSaysWhereTheProblemIs() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "date,OT\n2016-07-01 00:00:00,1.5\n2016-07-01 01:00:00,oops\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream ignored = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(TrainCommand.run(new String[]{"--data", bad.toString()}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("line 3, column 'OT' (2): 'oops' is not a number");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", bad.toString(), "--arch", "transformerz"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown architecture 'transformerz'");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", bad.toString(), "--alias", "champion"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--alias needs --publish <registry URL>");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", bad.toString(), "--publish", "ftp://registry"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not an http(s) URL");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", bad.toString(), "--quantiles", "0.1,ninety"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--quantiles: 'ninety' is not a number");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", bad.toString(), "--quantiles", "0.1,1.5"}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--quantiles: quantile levels must lie strictly between 0 and 1, got 1.5");
    }

    @Test
    void quantileLevelsReachTheTableAndTheManifest() throws Exception {
        Path data = csv(600);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = TrainCommand.run(new String[]{"--data", data.toString(), "--arch", "seasonal-naive", "--mode", "S",
                "--target", "OT", "--horizon", "12", "--lookback", "24", "--quantiles", "0.9,0.1",
                "--out", dir.resolve("models").toString()}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("pinball").containsPattern("seasonal-naive .* 0\\.\\d{3}\\n");
        BundleManifest manifest = Manifests.read(dir.resolve("models/small-S-h12/seasonal-naive"));
        assertThat(manifest.quantiles()).containsExactly(0.1, 0.5, 0.9);
        assertThat(manifest.metrics()).containsKeys("pinball", "coverage");
        assertThat(manifest.metrics().get("coverage")).isBetween(0.5, 1.0);
    }
}
