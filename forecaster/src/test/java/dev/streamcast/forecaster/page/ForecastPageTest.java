package dev.streamcast.forecaster.page;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.KafkaTestResource;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestBundles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The live page and its API on a real broker and a real forecaster: the entity search, one
 * entity's actuals, latest forecast with its quantile band, earlier forecasts and live error,
 * the event stream, the fleet overview; then the page itself in Debian's headless Chromium, which
 * draws the chart and the band, gains points as forecasts arrive, switches entities and follows a
 * hot swap of the model without a reload. A
 * screenshot is kept at {@code target/forecast-page.png}.
 */
@QuarkusTest
@TestProfile(ForecastPageTest.Page.class)
@WithTestResource(KafkaTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForecastPageTest {

    /** An application of its own (not the one another test class may have stopped the stream of). */
    public static final class Page implements QuarkusTestProfile {
    }

    static final String MODEL = "fleet";
    static final int ENTITIES = 3;
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** e1's oil_c.mean at step 12 comes imputed. */
    static final long IMPUTED_AT = TestStream.START + 12 * TestStream.STEP;

    KafkaFixture kafka;

    static FeatureVector imputedOil(FeatureVector v) {
        boolean[] observed = v.observed().clone();
        observed[TestStream.SPEC.indexOf("oil_c.mean")] = false;
        return new FeatureVector(v.specId(), v.windowStart(), v.windowEnd(), v.values(), observed);
    }

    @TestHTTPResource("/")
    URL root;

    private ChromeDriver browser;

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private void produce(int fromStep, int toStep) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), TestStream.SPEC.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(TestStream.SPEC))).get();
            TestStream.produce(producer, ENTITIES, fromStep, toStep, (e, v) -> e == 1 && v.windowStart() == IMPUTED_AT ? imputedOil(v) : v);
        }
    }

    @Test
    @Order(1)
    void anUnknownEntityIsA404ThatSaysWhy() {
        // 503 (and says so) until the stream has its tasks and the stores can be queried
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/api/entities/nobody").statusCode() != 503);
        JsonPath body = given().get("/api/entities/nobody").then().statusCode(404).extract().jsonPath();
        assertThat(body.getString("error")).contains("no entity 'nobody'").contains("forecaster.state.ttl");
        given().get("/api/entities?limit=0").then().statusCode(400);
        assertThat(given().get("/api/entities").then().statusCode(200).extract().jsonPath().getInt("total")).isZero();
    }

    @Test
    @Order(2)
    void anEntityShowsItsActualsLatestForecastWithItsBandEarlierForecastsAndLiveError() throws Exception {
        Path bundles = Path.of(ConfigProvider.getConfig().getValue("forecaster.model.dir", String.class));
        TestStream.bundle(bundles, MODEL, 1, "gru", Mode.S, 0.1, 0.9);
        TestBundles.alias(bundles, MODEL, "champion", 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
        produce(0, 20);
        int perEntity = 20 - TestStream.LOOKBACK + 1;
        List<ConsumerRecord<byte[], byte[]>> written = kafka.consume(Topics.FORECASTS.name(), ENTITIES * perEntity, Duration.ofSeconds(60));
        Forecast last = written.stream().filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("e1"))
                .map(r -> Codecs.FORECAST.decode(r.value()).value()).reduce((a, b) -> b).orElseThrow();

        assertThat(given().get("/api/entities?q=E1").then().statusCode(200).extract().jsonPath().getList("entities")).containsExactly("e1");
        JsonPath all = given().get("/api/entities?limit=2").then().statusCode(200).extract().jsonPath();
        assertThat(all.getList("entities")).containsExactly("e0", "e1");
        assertThat(all.getInt("total")).isEqualTo(3);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(given().get("/api/entities/e1").then().statusCode(200)
                .extract().jsonPath().getLong("slots[0].forecast.origin")).isEqualTo(last.origin()));
        JsonPath view = given().get("/api/entities/e1").then().statusCode(200).extract().jsonPath();
        assertThat(view.getString("entity")).isEqualTo("e1");
        assertThat(view.getString("slots[0].model")).isEqualTo("fleet@1");
        assertThat(view.getLong("slots[0].servingSince")).isPositive();
        // the actuals the page keeps (forecaster.page.actuals-kept, 120): every step so far, the last at step 19, step 12 imputed
        List<Map<String, Object>> actuals = view.getList("slots[0].actuals");
        assertThat(actuals).hasSize(20);
        assertThat(((Number) actuals.get(19).get("t")).longValue()).isEqualTo(TestStream.START + 19 * TestStream.STEP);
        assertThat(view.getDouble("slots[0].actuals[-1].values.'oil_c.mean'")).isCloseTo(TestStream.value(1, 19, 1), within(1e-4));
        assertThat(view.getDouble("slots[0].actuals[0].values.'oil_c.mean'")).isCloseTo(TestStream.value(1, 0, 1), within(1e-4));
        assertThat(view.getList("slots[0].actuals[12].imputed", String.class)).containsExactly("oil_c.mean");
        assertThat(view.getList("slots[0].actuals[11].imputed", String.class)).isEmpty();
        assertThat(view.getList("slots[0].actuals.imputed.flatten()", String.class)).hasSize(1);
        assertThat(view.getList("slots[0].forecast.steps")).hasSize(TestStream.HORIZON);
        assertThat(view.getDouble("slots[0].forecast.steps[0].point.'oil_c.mean'"))
                .isCloseTo(last.steps().get(0).point().get("oil_c.mean"), within(1e-4));
        List<Float> band = view.getList("slots[0].forecast.steps[0].quantiles.'oil_c.mean'", Float.class);
        assertThat(band).hasSize(3);
        // (a test model barely trained may cross its quantiles: the page draws them as the model gives them)
        assertThat(view.getList("slots[0].quantileLevels", Float.class)).containsExactly(0.1f, 0.5f, 0.9f);
        // earlier forecasts at h = 1 and H, each at the time it forecast
        assertThat(view.getList("slots[0].previous.h", Integer.class)).containsExactly(1, TestStream.HORIZON);
        assertThat(view.getList("slots[0].previous[0].points")).isNotEmpty();
        assertThat(view.getLong("slots[0].previous[0].points[-1].t")).isEqualTo(last.origin() + TestStream.STEP);
        assertThat(view.getList("slots[0].liveError.h", Integer.class)).containsExactly(1, TestStream.HORIZON);
        assertThat(view.getLong("slots[0].liveError[0].count")).isPositive();

        JsonPath overview = given().get("/api/overview").then().statusCode(200).extract().jsonPath();
        assertThat(overview.getDouble("entities")).isEqualTo(3.0);
        assertThat(overview.getDouble("forecasts")).isEqualTo(ENTITIES * perEntity);
        assertThat(overview.getMap("refused")).containsKeys("UNKNOWN_SPEC", "MALFORMED");
        assertThat(overview.getString("models[0].model")).isEqualTo("fleet@1");
        assertThat(overview.getList("worstErrors")).isNotEmpty();
    }

    @Test
    @Order(3)
    void theEventStreamSendsTheEntitysViewAndGoesOn() throws Exception {
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(root + "api/entities/e2/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        int events = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while (events < 2 && (line = in.readLine()) != null) {
                if (line.startsWith("data:")) {
                    assertThat(line).contains("\"entity\":\"e2\"").contains("fleet@1");
                    events++;
                }
            }
        }
        assertThat(events).isEqualTo(2);
    }

    @Test
    @Order(4)
    void thePageDrawsTheChartAndTheBandGainsPointsAndSwitchesEntities() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the page's test drives Debian's Chromium: " + CHROMIUM + " and " + CHROMEDRIVER
                    + " are needed; install them with 'apt-get install chromium chromium-driver' (.ci/run does)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createTempDirectory("forecast-page-chromium"));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build(), options);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        // the page re-renders as events arrive: an element found just before may be replaced before it is read
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        // an entity not in state: the page says so, in place of the chart
        browser.get(root + "?entity=nobody");
        wait.until(d -> browser.findElement(By.id("entity-message")).getText().contains("no entity 'nobody'"));
        assertThat(browser.findElement(By.id("entity-message")).getAttribute("class")).isEqualTo("error");
        assertThat(browser.findElement(By.id("entity-body")).isDisplayed()).isFalse();

        browser.get(root + "?entity=e1");

        // the view of the last step sent (an earlier one may come first, as the page opens while the stream works)
        wait.until(d -> lastX() == TestStream.START + 19 * TestStream.STEP);
        assertThat(count("0")).isEqualTo(20);
        assertThat(count("1")).as("the imputed value, marked").isOne();
        assertThat(browser.executeScript("return window.streamcastPage.chart.data.datasets[1].data[0].x")).isEqualTo(IMPUTED_AT);
        assertThat(count("3")).as("p90 edge of the band, one point per horizon step").isEqualTo(TestStream.HORIZON);
        assertThat(count("2")).as("p10 edge").isEqualTo(TestStream.HORIZON);
        assertThat(browser.findElement(By.id("target-picker")).isDisplayed()).as("one target: no picker").isFalse();
        assertThat(browser.findElement(By.id("entity-models")).getText()).contains("champion: fleet@1 since");
        assertThat(browser.findElements(By.cssSelector("#errors tbody tr"))).hasSize(2);

        produce(20, 23); // the chart follows without a reload
        wait.until(d -> lastX() == TestStream.START + 22 * TestStream.STEP);

        browser.findElement(By.cssSelector("#entities button[data-entity='e2']")).click();
        wait.until(d -> "e2".equals(browser.executeScript("return window.streamcastPage.lastView && window.streamcastPage.lastView.entity")));
        assertThat(browser.findElement(By.id("entity-name")).getText()).startsWith("e2");
        assertThat(browser.findElement(By.id("ov-entities")).getText()).isEqualTo("3");

        // a hot swap under the open page to a model of every feature (M): champion moves to version 2, and the page
        // follows without a reload, with a picker over its three targets
        Path bundles = Path.of(ConfigProvider.getConfig().getValue("forecaster.model.dir", String.class));
        TestStream.bundle(bundles, MODEL, 2, "dlinear", Mode.M, 0.1, 0.9);
        TestBundles.alias(bundles, MODEL, "champion", 2);
        ModelEvent moved = new ModelEvent(ModelEvent.Type.ALIAS_MOVED, MODEL, 2, "champion", 1L,
                TestBundles.sha256(bundles, MODEL, 2), System.currentTimeMillis(), Map.of("champion", 2L));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.MODEL_EVENTS.name(), MODEL.getBytes(StandardCharsets.UTF_8),
                    Codecs.MODEL_EVENT.encode(moved))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "fleet@2".equals(given().get("/api/overview").jsonPath()
                .getString("models[0].model")));
        int last = 23 + TestStream.LOOKBACK; // within a look-back of new steps the M model has warmed up and forecasts
        produce(23, last);
        wait.until(d -> "fleet@2".equals(browser.executeScript(
                "const v = window.streamcastPage.lastView; return v && v.slots[0].forecast ? v.slots[0].forecast.model : null"))
                && lastX() == TestStream.START + (last - 1) * TestStream.STEP);
        assertThat(browser.findElement(By.id("entity-models")).getText()).contains("champion: fleet@2 since");
        assertThat(count("0")).as("e2's oil_c.mean history goes on across the swap").isEqualTo(last);
        assertThat(browser.findElement(By.id("target-picker")).isDisplayed()).isTrue();
        new Select(browser.findElement(By.id("target"))).selectByValue("load_mw.mean");
        wait.until(d -> "load_mw.mean".equals(browser.executeScript("return window.streamcastPage.chart.options.scales.y.title.text")));
        assertThat(count("0")).as("load_mw.mean is kept since the model that forecasts it came").isEqualTo(last - 23);
        assertThat(count("4")).as("its forecast").isEqualTo(TestStream.HORIZON);
        Files.write(Path.of("target/forecast-page.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** The time of the chart's last actual. */
    private long lastX() {
        Object x = browser.executeScript("const c = window.streamcastPage.chart; const d = c ? c.data.datasets[0].data : [];"
                + " return d.length ? d[d.length - 1].x : -1;");
        return ((Number) x).longValue();
    }

    /** Points of the chart's dataset {@code index} (0 actuals, 1 the imputed ones, 2 and 3 the band's edges, 4 the forecast). */
    private long count(String index) {
        Object n = browser.executeScript("const c = window.streamcastPage.chart; return c ? c.data.datasets[" + index + "].data.length : -1;");
        return ((Number) n).longValue();
    }
}
