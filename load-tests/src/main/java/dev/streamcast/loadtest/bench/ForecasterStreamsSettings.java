package dev.streamcast.loadtest.bench;

import dev.streamcast.forecaster.serving.ForecastTopology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka Streams settings the forecaster runs with in production: the {@code kafka-streams.*}
 * entries of its own {@code application.properties}, read from the forecaster's jar, so a ceiling
 * app configured with them can never drift from the forecaster it is compared with. Profile
 * entries ({@code %test.}) and values with expressions (the state directory) are left out.
 */
public final class ForecasterStreamsSettings {

    private static final String PREFIX = "kafka-streams.";

    private ForecasterStreamsSettings() {
    }

    public static Map<String, String> load() {
        URL location = ForecastTopology.class.getProtectionDomain().getCodeSource().getLocation();
        Properties all = new Properties();
        try (URLClassLoader jar = new URLClassLoader(new URL[]{location}, null);
             InputStream in = jar.getResourceAsStream("application.properties")) {
            if (in == null) {
                throw new IllegalStateException("the forecaster's application.properties is missing from " + location);
            }
            all.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> settings = new TreeMap<>();
        for (String name : all.stringPropertyNames()) {
            String value = all.getProperty(name);
            if (name.startsWith(PREFIX) && !value.contains("${")) {
                settings.put(name.substring(PREFIX.length()), value);
            }
        }
        if (!settings.containsKey("processing.guarantee")) {
            throw new IllegalStateException("no kafka-streams.processing.guarantee in the forecaster's application.properties at "
                    + location + ": is this the forecaster's jar?");
        }
        return settings;
    }
}
