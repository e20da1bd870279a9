package dev.streamcast.ingest.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextFeaturesTest {

    private static int murmur(String text, int seed) {
        return Murmur3.hash32(text.getBytes(StandardCharsets.UTF_8), seed);
    }

    @Test
    void murmur3MatchesTheReferenceVectors() {
        // from the reference implementation's test suite (SMHasher) and its widely published values
        assertThat(murmur("", 0)).isEqualTo(0);
        assertThat(murmur("", 1)).isEqualTo(0x514E28B7);
        assertThat(murmur("", 0xffffffff)).isEqualTo(0x81F16F39);
        assertThat(murmur("hello", 0)).isEqualTo(0x248BFA47);
        assertThat(murmur("Hello, world!", 0)).isEqualTo(0xC0363E43);
        assertThat(murmur("The quick brown fox jumps over the lazy dog", 0)).isEqualTo(0x2E4FF723);
        assertThat(Murmur3.hash32(new byte[]{0x21, 0x43, 0x65, (byte) 0x87}, 0)).isEqualTo(0xF55B516B);
        assertThat(Murmur3.hash32(new byte[]{0x21, 0x43, 0x65}, 0)).isEqualTo(0x7E4A8634);
        assertThat(Murmur3.hash32(new byte[]{0x21, 0x43}, 0)).isEqualTo(0xA0F7B07A);
        assertThat(Murmur3.hash32(new byte[]{0x21}, 0)).isEqualTo(0x72661CF4);
    }

    @Test
    void tokensAreLowerCasedRunsOfLettersAndDigits() {
        assertThat(TextFeatures.tokens("ALARM: oil-temp 97.2°C on T1!")).containsExactly("alarm", "oil", "temp", "97", "2", "c", "on", "t1");
        assertThat(TextFeatures.tokens("Überhitzung  gemeldet")).containsExactly("überhitzung", "gemeldet");
        assertThat(TextFeatures.tokens("   ")).isEmpty();
    }

    @Test
    void everyNgramAddsItsSignToItsBucket() {
        TextFeatures features = new TextFeatures(8, 2, List.of());
        double[] hashed = new double[8];

        features.accumulate("Oil high oil high", hashed, new double[0]);

        double[] expected = new double[8];
        for (String gram : List.of("oil", "high", "oil", "high", "oil high", "high oil", "oil high")) {
            int h = murmur(gram, 0);
            expected[(h & 0x7fffffff) % 8] += h < 0 ? -1 : 1;
        }
        assertThat(hashed).containsExactly(expected);
        assertThat(java.util.Arrays.stream(hashed).map(Math::abs).sum()).isLessThanOrEqualTo(7);
    }

    @Test
    void keywordsMayBeSeveralTokens() {
        TextFeatures features = new TextFeatures(4, 1, List.of("alarm", "oil high", "trip"));
        double[] keywords = new double[3];

        features.accumulate("ALARM oil HIGH, alarm again: oil is high", new double[4], keywords);

        assertThat(keywords).containsExactly(2.0, 1.0, 0.0);
    }

    @Test
    void lengthCountsCodePoints() {
        assertThat(TextFeatures.length("a😀b")).isEqualTo(3);
    }
}
