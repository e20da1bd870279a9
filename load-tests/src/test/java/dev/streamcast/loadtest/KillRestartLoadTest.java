package dev.streamcast.loadtest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole harness on the real system, small: a local broker, ingest and the forecaster from
 * their quarkus-run.jar, an LSTM trained for the run, the forecaster SIGKILLed and restarted in
 * the middle of the measured load, then the pass-through on the same records. Every window the
 * sent records closed is forecast exactly once across the kill (no gap, no duplicate, none
 * missing), the harness's accounting adds up, and the report draws its charts in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KillRestartLoadTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    Path dir;
    LoadTest.Config config;
    LoadTest.Result result;
    String console;
    int status;

    @BeforeAll
    void run() throws Exception {
        dir = Files.createTempDirectory("load-test-kill");
        config = LoadTestCommand.withDataDir(LoadTestCommand.config(dev.streamcast.contracts.cli.Options.parse(new String[]{
                "--scenario", "kill-restart", "--entities", "120", "--channels", "2", "--rate", "300", "--warmup-s", "15",
                "--duration-s", "24", "--drain-timeout-s", "60", "--lstm-hidden", "16",
                // ingest waits up to 5 s for a text partition that has nothing buffered: the restarting
                // forecaster takes both cores, and a round (0.4 s here) was not always enough for a text event
                "--max-task-idle-ms", "5000"}, LoadTestCommand.OPTIONS, "load-test")),
                dir.resolve("system"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = LoadTestCommand.run(config, dir.resolve("out"), out);
        }
        console = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(console);
        result = Report.MAPPER.readValue(dir.resolve("out/result.json").toFile(), LoadTestResultView.class).asResult();
    }

    @AfterAll
    void cleanUp() throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void everyWindowIsForecastExactlyOnceAcrossTheKill() {
        TrialResult t = result.phases().get("pipeline").reported();
        assertThat(t.events().get(0)).contains("SIGKILL");
        assertThat(t.sent()).isEqualTo((long) (300 * (15 + 24)));
        // the windows the sent records close: 120 entities, every closed round
        assertThat(t.expectedOut()).isEqualTo(new LoadTest(config, System.out).schedule().windowsClosedBy(t.sent()))
                .isGreaterThan(0);
        // every expected window is forecast once, or counted as a gap or as missing at the end; a duplicate is counted too
        assertThat(t.out() - t.duplicates() + t.gaps() + t.missing()).isEqualTo(t.expectedOut());
        assertThat(t.latency().count()).isGreaterThan(0);
        assertThat(t.latency().p99()).isGreaterThanOrEqualTo(t.latency().p50()).isGreaterThan(0);
        assertThat(t.duplicates()).isZero();
        assertThat(t.gaps()).isZero();
        assertThat(t.missing()).isZero();
        assertThat(t.out()).isEqualTo(t.expectedOut());
        // the window closes account for every measured forecast, and the slowest close's last forecast is the slowest latency
        assertThat(t.closes()).isNotEmpty();
        assertThat(t.closes().stream().mapToLong(TrialResult.WindowClose::forecasts).sum()).isEqualTo(t.latency().count());
        assertThat(t.closes()).isSortedAccordingTo(java.util.Comparator.comparingLong(TrialResult.WindowClose::window))
                .allSatisfy(c -> assertThat(c.forecasts()).isBetween(1L, 120L));
        assertThat(t.closes().stream().mapToDouble(TrialResult.WindowClose::lastMs).max().orElseThrow())
                .isCloseTo(t.latency().max(), org.assertj.core.api.Assertions.withinPercentage(0.2));
        assertThat(console).contains("load-test: pipeline reported: last forecast of each window after the record that closed it");
        // the warm-up's forecasts are recorded apart, and with the measured ones they are every forecast of the trial
        assertThat(t.warmUpCloses()).isNotEmpty().allSatisfy(c -> assertThat(c.forecasts()).isBetween(1L, 120L));
        assertThat(t.warmUpCloses().get(0).window()).isLessThan(t.closes().get(0).window());
        assertThat(t.warmUpCloses().stream().mapToLong(TrialResult.WindowClose::forecasts).sum() + t.latency().count())
                .isEqualTo(t.out());
        assertThat(t.warmUpP99()).isGreaterThan(0);
        assertThat(console).contains("load-test: pipeline reported: the warm-up, not measured: p99 ");
        assertThat(result.checks()).contains("PASS broker: deleted no record of the run's topics",
                "PASS services: refused no record (ingest-dlq and forecaster-dlq empty)")
                .anyMatch(c -> c.startsWith("PASS pipeline: counts in equal counts out"));
        assertThat(status).isEqualTo(result.checks().stream().anyMatch(c -> c.startsWith("FAIL")) ? 1 : 0);
    }

    @Test
    void thePassThroughGetsTheSameRecordsAndEveryRunEndsWithTheRatioLine() {
        TrialResult pipeline = result.phases().get("pipeline").reported();
        TrialResult passthrough = result.phases().get("passthrough").reported();
        assertThat(passthrough.sent()).isEqualTo(pipeline.sent());
        assertThat(passthrough.out()).isEqualTo(passthrough.sent()); // one copy per record
        assertThat(passthrough.duplicates()).isZero();
        assertThat(passthrough.latency().count()).isGreaterThan(0);
        String[] lines = console.strip().split("\n");
        String last = lines[lines.length - 1];
        // without --search both keep up with the one offered rate: no ratio of highest rates, and the run says why
        assertThat(last).matches("throughput=[0-9]+ p99_ms=[0-9.]+ vs_passthrough=NaN");
        assertThat(result.summary().get("vs_passthrough")).isNull(); // NaN is null in result.json
        assertThat(result.summary()).containsKey("passthrough_throughput");
        assertThat(result.checks()).contains(LoadTest.VS_PASSTHROUGH_NEEDS_SEARCH);
        // both consumed about the offered 300 records/s (from committed offsets sampled once a second: coarse)
        assertThat(pipeline.throughput()).isCloseTo(300, org.assertj.core.api.Assertions.withinPercentage(50));
        assertThat(passthrough.throughput()).isCloseTo(300, org.assertj.core.api.Assertions.withinPercentage(50));
    }

    @Test
    void theReportDrawsItsChartsInHeadlessChromiumWithoutTheNetwork() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the report test drives Debian's Chromium: " + CHROMIUM + " and " + CHROMEDRIVER
                    + " are needed; install them with 'apt-get install chromium chromium-driver' (.ci/run does)");
        }
        String html = Files.readString(dir.resolve("out/report.html"));
        assertThat(html).doesNotContain("http://", "https://cdn").contains("Chart.js v4");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium-profile")));
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
        try {
            browser.get(dir.resolve("out/report.html").toUri().toString());
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> Boolean.TRUE.equals(
                    ((JavascriptExecutor) d).executeScript("return window.reportReady === true")));
            JavascriptExecutor js = browser;
            TrialResult pipeline = result.phases().get("pipeline").reported();
            // the latency chart plots the reported trial's distribution of each phase
            assertThat(((Number) js.executeScript("return reportCharts.latency.data.datasets.length")).intValue()).isEqualTo(2);
            assertThat(((Number) js.executeScript("return reportCharts.latency.data.datasets[0].data.length")).intValue())
                    .isEqualTo(pipeline.percentiles().size());
            // throughput in and out per phase, lag per stage (ingest, forecaster, pass-through)
            assertThat(((Number) js.executeScript("return reportCharts.throughput.data.datasets.length")).intValue()).isEqualTo(4);
            assertThat(((Number) js.executeScript("return reportCharts.lag.data.datasets.length")).intValue()).isEqualTo(3);
            assertThat((String) js.executeScript("return document.getElementById('headline').textContent"))
                    .startsWith("throughput=");
            @SuppressWarnings("unchecked")
            List<Object> painted = (List<Object>) js.executeScript(
                    "return ['latency','throughput','lag','p99','entities'].map(id => {"
                            + " const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                            + " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })");
            assertThat(painted).allSatisfy(n -> assertThat(((Number) n).longValue()).isGreaterThan(1000));
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#checks li.fail")))
                    .hasSize((int) result.checks().stream().filter(c -> c.startsWith("FAIL")).count());
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#checks li")))
                    .hasSize(result.checks().size());
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#trials tbody tr"))).hasSize(2);
            // one row per window close of the reported pipeline trial, its last forecast in ms: the warm-up's, then the measured
            List<org.openqa.selenium.WebElement> warmUp = browser.findElements(org.openqa.selenium.By.cssSelector("#closes tbody tr.warm-up"));
            List<org.openqa.selenium.WebElement> closes = browser.findElements(org.openqa.selenium.By.cssSelector("#closes tbody tr.measured"));
            assertThat(warmUp).hasSize(pipeline.warmUpCloses().size()).isNotEmpty();
            assertThat(closes).hasSize(pipeline.closes().size()).isNotEmpty();
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#closes tbody tr")).get(0).getText())
                    .startsWith(pipeline.warmUpCloses().get(0).window() + " warm-up ");
            TrialResult.WindowClose first = pipeline.closes().get(0);
            assertThat(closes.get(0).getText()).isEqualTo(first.window() + " measured " + first.forecasts() + " "
                    + String.format(java.util.Locale.ROOT, "%.0f", first.lastMs()));
        } finally {
            browser.quit();
        }
    }

    /** result.json read back (records with a nested config the test does not need). */
    record LoadTestResultView(Map<String, Object> config, Map<String, LoadTest.Phase> phases, Map<String, Object> summary,
                              List<String> checks, boolean passed) {
        LoadTest.Result asResult() {
            return new LoadTest.Result(null, phases, summary, checks, passed);
        }
    }
}
