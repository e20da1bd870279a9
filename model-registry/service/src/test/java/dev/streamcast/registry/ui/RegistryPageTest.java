package dev.streamcast.registry.ui;

import dev.streamcast.registry.testing.BundleEdits;
import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The registry's page in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}): it lists models and versions, shows metrics and lineage side by side,
 * draws the architecture chart with Chart.js from the WebJar, and moves an alias only with a
 * write token. Reads need a token too (the registry's default), which the page asks for.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class RegistryPageTest {

    static final String WRITE = "test-write-token-0123456789";
    static final String READ = "test-read-token-0123456789";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @TempDir
    Path tmp;

    ChromeDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void openBrowser() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the UI tests drive Debian's Chromium: " + CHROMIUM + " and " + CHROMEDRIVER
                    + " are needed; install them with 'apt-get install chromium chromium-driver' (.ci/run does)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the network is closed here: without these, Chromium stalls on connections it tries at start
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createDirectory(tmp.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        // the page re-renders its tables as data arrives: an element found just before may be replaced before it is read
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void listsModelsAndShowsVersionsMetricsLineageAndTheArchitectureChart() throws Exception {
        upload("ui-compare", BundleEdits.zip(TestBundles.seasonalNaive(tmp.resolve("a"), "ui-compare", TestBundles.metrics(0.3, 5.0))));
        upload("ui-compare", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("b"), "ui-compare", TestBundles.metrics(0.5, 1.5))));
        upload("ui-other", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("c"), "ui-other", TestBundles.metrics(0.9, 1.0))));

        browser.get("http://localhost:" + port + "/");
        wait.until(ExpectedConditions.textToBe(By.id("status"), "could not load models: reads need a token on this"
                + " registry (registry.auth.read-open=false): Authorization: Bearer <token>"));
        assertThat(browser.findElements(By.cssSelector("#models li"))).isEmpty();
        useToken(READ);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#models li[data-model='ui-other']")));
        // the forecaster's live page, from registry.ui.live-page-url (set for the tests)
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("live-link")));
        assertThat(browser.findElement(By.id("live-link")).getAttribute("href")).isEqualTo("http://127.0.0.1:8083/");
        // the landing: every model with its aliases and its headline version's latest metrics (no champion: the latest)
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#overview-table tr[data-model='ui-other']")));
        assertThat(overview("ui-compare", "headline")).isEqualTo("2 · last-value");
        assertThat(overview("ui-compare", "mse")).isEqualTo("0.5000");
        assertThat(overview("ui-other", "mse")).isEqualTo("0.9000");
        browser.findElement(By.cssSelector("#models li[data-model='ui-compare']")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#versions thead th[data-version]"), 2));

        assertThat(browser.findElement(By.id("model-name")).getText()).isEqualTo("ui-compare");
        assertThat(cells("architecture")).containsExactly("seasonal-naive", "last-value");
        assertThat(cells("metric-mse")).containsExactly("0.30000", "0.50000");
        assertThat(cells("metric-step_us_b1")).containsExactly("5.0000", "1.5000");
        assertThat(cells("state-bytes")).containsExactly("92", "0");
        assertThat(cells("data-source")).containsExactly("transformers.csv", "transformers.csv");
        assertThat(cells("data-range").get(0)).startsWith("2016-07-01T00:00:00Z … ").endsWith("(420 rows)");
        assertThat(cells("trainer-version").get(0)).isNotBlank();

        // the chart: Chart.js from the registry's own /webjars, one bubble series per architecture
        String chartSrc = browser.findElement(By.id("chartjs")).getAttribute("src");
        assertThat(chartSrc).startsWith("http://localhost:" + port + "/webjars/chart.js/").endsWith("/chart.umd.min.js");
        Object series = js("return window.registryChart ? window.registryChart.data.datasets.map(d => d.label + ':'"
                + " + d.data.length).join(',') : null");
        assertThat(series).isEqualTo("seasonal-naive:1,last-value:1");
        assertThat(js("return typeof Chart === 'function' && Chart.version")).isEqualTo("4.5.1");
        assertThat((Long) js("return document.getElementById('compare-chart').width")).isGreaterThan(100L);
        assertThat((Boolean) js("return performance.getEntriesByType('resource').some(r => r.name.includes('/webjars/chart.js/')"
                + " && r.responseEnd > 0)")).isTrue();
        screenshot("registry-page.png");
    }

    @Test
    void movingAnAliasNeedsTheWriteToken() throws Exception {
        upload("ui-alias", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("d"), "ui-alias", TestBundles.metrics(0.5, 1.0))));
        upload("ui-alias", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("e"), "ui-alias", TestBundles.metrics(0.4, 1.0))));
        browser.get("http://localhost:" + port + "/");
        useToken(READ);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#models li[data-model='ui-alias']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("model-name"), "ui-alias"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#alias-version option"), 2));

        moveAliasFromThePage("champion", "1");
        wait.until(ExpectedConditions.textMatches(By.id("alias-status"), java.util.regex.Pattern.compile("HTTP 403")));
        given().auth().oauth2(READ).get("/api/models/ui-alias/aliases").then().statusCode(200).body("champion", equalTo(null));

        forgetToken();
        moveAliasFromThePage("champion", "1");
        wait.until(ExpectedConditions.textMatches(By.id("alias-status"), java.util.regex.Pattern.compile("HTTP 401")));
        assertThat(browser.findElement(By.id("alias-status")).getText()).contains("needs a write token");
        given().auth().oauth2(READ).get("/api/models/ui-alias/aliases").then().body("champion", equalTo(null));

        useToken(WRITE);
        moveAliasFromThePage("champion", "1");
        wait.until(ExpectedConditions.textToBe(By.id("alias-status"), "champion now points at version 1"));
        given().auth().oauth2(READ).get("/api/models/ui-alias/aliases").then().body("champion", equalTo(1));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#aliases tr[data-alias='champion'] td:nth-child(2)"), "1"));
        // the landing's headline follows the champion: version 1 and its metrics, not the latest's
        wait.until(d -> "1 · last-value".equals(overview("ui-alias", "headline")));
        assertThat(overview("ui-alias", "mse")).isEqualTo("0.5000");
    }

    @Test
    void showsAModelsTrainingRunsFollowsARunningOneAndTheLandingShowsEachModelsLastRun() throws Exception {
        upload("ui-runs", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("r"), "ui-runs", TestBundles.metrics(0.5, 1.0))));
        upload("ui-quiet", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("q"), "ui-quiet", TestBundles.metrics(0.7, 1.0))));
        // a model registered before its first version, whose first run is in progress
        given().auth().oauth2(WRITE).contentType("application/json").body("{\"description\": \"first model\"}")
                .put("/api/models/ui-first").then().statusCode(200);
        putRun("ui-first", 1, "{\"trigger\": \"bootstrap\", \"state\": \"running\", \"reason\": \"no champion yet\","
                + " \"progress\": \"reading 2000 rows\", \"startedAt\": \"2026-12-05T09:00:00Z\"}");
        putRun("ui-runs", 1, "{\"trigger\": \"schedule\", \"state\": \"succeeded\", \"reason\": \"every 24 h\","
                + " \"progress\": \"published gru as version 1\", \"outcome\": \"gru won (val_mse 0.118)\","
                + " \"startedAt\": \"2026-12-05T10:00:00Z\", \"endedAt\": \"2026-12-05T11:02:30Z\", \"winner\": \"gru\","
                + " \"version\": 1, \"alias\": \"challenger\"}");
        putRun("ui-runs", 2, "{\"trigger\": \"request\", \"state\": \"failed\", \"reason\": \"asked by ops\","
                + " \"outcome\": \"no rows in the window\", \"startedAt\": \"2026-12-05T12:00:00Z\","
                + " \"endedAt\": \"2026-12-05T12:00:45Z\"}");
        putRun("ui-runs", 3, running("gru: epoch 3 of 20"));

        browser.get("http://localhost:" + port + "/");
        useToken(READ);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#overview-table tr[data-model='ui-runs']")));
        assertThat(overview("ui-runs", "last-run")).isEqualTo("running · drift");
        assertThat(overview("ui-first", "last-run")).isEqualTo("running · bootstrap");
        assertThat(overview("ui-quiet", "last-run")).isEqualTo("–");

        browser.findElement(By.cssSelector("#models li[data-model='ui-runs']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("model-name"), "ui-runs"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#runs-table tbody tr[data-run]"), 3));
        assertThat(browser.findElements(By.cssSelector("#runs-table tbody tr")).stream()
                .map(r -> r.getAttribute("data-run")).toList()).containsExactly("3", "2", "1");
        assertThat(runCells("3")).containsExactly("3", "drift", "running", "2026-12-05T13:00:00Z", "running", "–",
                "gru: epoch 3 of 20");
        assertThat(runCells("2")).containsExactly("2", "request", "failed", "2026-12-05T12:00:00Z", "45 s", "–",
                "no rows in the window");
        assertThat(runCells("1")).containsExactly("1", "schedule", "succeeded", "2026-12-05T10:00:00Z", "1 h 02 min",
                "gru → 1 (challenger)", "gru won (val_mse 0.118)");
        assertThat(browser.findElement(By.cssSelector("#runs-table tr[data-run='1'] td[data-col='trigger']"))
                .getAttribute("title")).isEqualTo("every 24 h");
        assertThat(browser.findElement(By.id("runs-empty")).isDisplayed()).isFalse();

        // while run 3 runs, the page follows its progress line, then its end, and the landing's last run with it
        putRun("ui-runs", 3, running("gru: epoch 9 of 20"));
        wait.until(d -> "gru: epoch 9 of 20".equals(run("3", "detail")));
        putRun("ui-runs", 3, "{\"trigger\": \"drift\", \"state\": \"succeeded\", \"reason\": \"val_mse 0.31 over 2 x 0.12\","
                + " \"progress\": \"done\", \"outcome\": \"gru won again; not published (no gain)\","
                + " \"startedAt\": \"2026-12-05T13:00:00Z\", \"endedAt\": \"2026-12-05T13:04:05Z\", \"winner\": \"gru\"}");
        wait.until(d -> "succeeded".equals(run("3", "state")));
        assertThat(runCells("3")).containsExactly("3", "drift", "succeeded", "2026-12-05T13:00:00Z", "4 min 05 s", "gru",
                "gru won again; not published (no gain)");
        assertThat(overview("ui-runs", "last-run")).isEqualTo("succeeded · drift");
        screenshot("registry-runs.png");

        // a model without runs says so
        browser.findElement(By.cssSelector("#models li[data-model='ui-quiet']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("runs-empty")));
        assertThat(browser.findElements(By.cssSelector("#runs-table tbody tr"))).isEmpty();
    }

    private static String running(String progress) {
        return "{\"trigger\": \"drift\", \"state\": \"running\", \"reason\": \"val_mse 0.31 over 2 x 0.12\","
                + " \"progress\": \"" + progress + "\", \"startedAt\": \"2026-12-05T13:00:00Z\"}";
    }

    private static void putRun(String model, long id, String json) {
        given().auth().oauth2(WRITE).contentType("application/json").body(json)
                .put("/api/models/{m}/runs/{id}", model, id).then().statusCode(200);
    }

    /** The runs table's cells of run {@code id}, in column order. */
    private List<String> runCells(String id) {
        return browser.findElements(By.cssSelector("#runs-table tr[data-run='" + id + "'] td")).stream()
                .map(WebElement::getText).toList();
    }

    private String run(String id, String column) {
        List<WebElement> cell = browser.findElements(By.cssSelector("#runs-table tr[data-run='" + id + "'] td[data-col='"
                + column + "']"));
        return cell.isEmpty() ? null : cell.get(0).getText();
    }

    private void moveAliasFromThePage(String alias, String version) {
        WebElement name = browser.findElement(By.id("alias-name"));
        name.clear();
        name.sendKeys(alias);
        new Select(browser.findElement(By.id("alias-version"))).selectByValue(version);
        js("document.getElementById('alias-status').textContent = ''");
        browser.findElement(By.id("alias-move")).click();
    }

    private void useToken(String token) {
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("token-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("token-state"), "token set"));
    }

    private void forgetToken() {
        browser.findElement(By.id("token")).clear();
        browser.findElement(By.id("token-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("token-state"), "no token"));
    }

    /** The landing table's cell {@code column} of {@code model}'s row. */
    private String overview(String model, String column) {
        return browser.findElement(By.cssSelector("#overview-table tr[data-model='" + model + "'] td[data-col='" + column + "']")).getText();
    }

    private List<String> cells(String row) {
        return browser.findElements(By.cssSelector("#versions tr[data-row='" + row + "'] td")).stream()
                .map(WebElement::getText).toList();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private void screenshot(String name) throws Exception {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(Path.of("target"));
        Files.copy(shot, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void upload(String model, byte[] zip) {
        given().auth().oauth2(WRITE).contentType("application/zip").body(zip)
                .post("/api/models/" + model + "/versions").then().statusCode(201);
    }
}
