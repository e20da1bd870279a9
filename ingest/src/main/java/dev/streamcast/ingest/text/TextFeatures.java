package dev.streamcast.ingest.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns one text into counts: signed feature hashing of its token n-grams into D buckets
 * (Weinberger et al. 2009: bucket from the hash, sign from its top bit, so collisions cancel
 * in expectation) and occurrences of configured keywords (a keyword may be several tokens).
 * Tokens are maximal runs of letters or digits, lower-cased.
 */
public final class TextFeatures {

    private final int buckets;
    private final int ngrams;
    private final List<String[]> keywords;

    public TextFeatures(int buckets, int ngrams, List<String> keywords) {
        this.buckets = buckets;
        this.ngrams = ngrams;
        this.keywords = keywords.stream().map(k -> tokens(k).toArray(String[]::new)).toList();
    }

    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); ) {
            int cp = i < text.length() ? text.codePointAt(i) : ' ';
            boolean word = i < text.length() && Character.isLetterOrDigit(cp);
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                tokens.add(text.substring(start, i).toLowerCase(Locale.ROOT));
                start = -1;
            }
            i += i < text.length() ? Character.charCount(cp) : 1;
        }
        return tokens;
    }

    /** Adds the text's signed n-gram counts to {@code hashed} [D] and its keyword counts to {@code keywordCounts} [K]. */
    public void accumulate(String text, double[] hashed, double[] keywordCounts) {
        List<String> tokens = tokens(text);
        StringBuilder gram = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            gram.setLength(0);
            for (int n = 0; n < ngrams && i + n < tokens.size(); n++) {
                if (n > 0) {
                    gram.append(' ');
                }
                gram.append(tokens.get(i + n));
                int h = Murmur3.hash32(gram.toString().getBytes(StandardCharsets.UTF_8), 0);
                hashed[bucket(h)] += sign(h);
            }
        }
        for (int k = 0; k < keywords.size(); k++) {
            keywordCounts[k] += occurrences(tokens, keywords.get(k));
        }
    }

    int bucket(int hash) {
        return (hash & 0x7fffffff) % buckets;
    }

    static double sign(int hash) {
        return hash < 0 ? -1.0 : 1.0;
    }

    private static int occurrences(List<String> tokens, String[] keyword) {
        int count = 0;
        outer:
        for (int i = 0; i + keyword.length <= tokens.size(); i++) {
            for (int j = 0; j < keyword.length; j++) {
                if (!tokens.get(i + j).equals(keyword[j])) {
                    continue outer;
                }
            }
            count++;
        }
        return count;
    }

    /** Length in Unicode code points (what a reader counts), not UTF-16 units. */
    public static int length(String text) {
        return text.codePointCount(0, text.length());
    }
}
