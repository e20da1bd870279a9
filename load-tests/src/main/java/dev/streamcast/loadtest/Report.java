package dev.streamcast.loadtest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Writes a run's {@code result.json} and {@code report.html}: one self-contained page (Chart.js
 * from its WebJar inlined, the result embedded), so it opens from disk with no network.
 */
public final class Report {

    /** JSON has no NaN: a figure that could not be measured is written as null. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule()
                    .addSerializer(Double.class, new NullForNaN())
                    .addSerializer(double.class, new NullForNaN())
                    .addSerializer(java.time.Duration.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer())
                    .addSerializer(Path.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer()));

    private Report() {
    }

    private static final class NullForNaN extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                out.writeNull();
            } else {
                out.writeNumber(value);
            }
        }
    }

    public static String json(Object result) throws IOException {
        return MAPPER.writeValueAsString(result);
    }

    /** Writes {@code result.json} and {@code report.html} into {@code dir}; returns the report's path. */
    public static Path write(LoadTest.Result result, Path dir) throws IOException {
        Files.createDirectories(dir);
        String json = json(result);
        Files.writeString(dir.resolve("result.json"), json);
        Path html = dir.resolve("report.html");
        Files.writeString(html, html(json));
        return html;
    }

    /** The report page for a result serialised as JSON. */
    public static String html(String json) throws IOException {
        String template = resource("/dev/streamcast/loadtest/report.html");
        return template
                .replace("/*CHARTJS*/", chartJs())
                // nothing in the data may end the script element it sits in
                .replace("/*RESULT*/", json.replace("</", "<\\/"));
    }

    static String chartJs() throws IOException {
        Properties props = new Properties();
        try (InputStream in = Report.class.getResourceAsStream("/load-tests.properties")) {
            if (in == null) {
                throw new IOException("load-tests.properties is missing from the class path");
            }
            props.load(in);
        }
        String path = "/META-INF/resources/webjars/chart.js/" + props.getProperty("chartjs.version") + "/dist/chart.umd.min.js";
        // the source map is not shipped in the page: drop the reference so the browser does not look for it
        return resource(path).replaceAll("//# sourceMappingURL=\\S+", "");
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = Report.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
