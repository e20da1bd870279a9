package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static dev.streamcast.contracts.records.Codecs.MODEL_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelEventCodecTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static DecodeError error(String json) {
        return MODEL_EVENT.decode(json.getBytes(StandardCharsets.UTF_8)).error();
    }

    @Test
    void aliasMovedCarriesTheWholeAliasTable() {
        ModelEvent moved = new ModelEvent(ModelEvent.Type.ALIAS_MOVED, "etth1", 3, "champion", 2L, SHA,
                1_700_000_000_000L, Map.of("champion", 3L, "challenger", 4L));
        String json = MODEL_EVENT.encodeToString(moved);
        assertThat(json).isEqualTo("{\"type\":\"ALIAS_MOVED\",\"model\":\"etth1\",\"version\":3,\"alias\":\"champion\","
                + "\"previousVersion\":2,\"sha256\":\"" + SHA + "\",\"at\":1700000000000,"
                + "\"aliases\":{\"challenger\":4,\"champion\":3}}");
        assertThat(MODEL_EVENT.decode(json.getBytes(StandardCharsets.UTF_8)).value()).isEqualTo(moved);
    }

    @Test
    void versionCreatedNeedsNoAlias() {
        ModelEvent created = new ModelEvent(ModelEvent.Type.VERSION_CREATED, "etth1", 1, null, null, SHA,
                1_700_000_000_000L, Map.of());
        assertThat(MODEL_EVENT.decode(MODEL_EVENT.encode(created)).value()).isEqualTo(created);
    }

    @Test
    void refusesUnknownTypesUnsafeNamesAndBadDigests() {
        assertThat(error("{\"type\":\"DELETED\",\"model\":\"m\",\"version\":1,\"at\":0}").reason())
                .contains("expected one of [VERSION_CREATED, ALIAS_MOVED, VERSION_ARCHIVED, ALIAS_REMOVED, VERSION_DELETED]");
        assertThat(error("{\"type\":\"VERSION_CREATED\",\"model\":\"../../etc\",\"version\":1,\"at\":0}").field())
                .isEqualTo("model");
        assertThat(error("{\"type\":\"ALIAS_MOVED\",\"model\":\"m\",\"version\":1,\"at\":0}").reason())
                .isEqualTo("is required for ALIAS_MOVED");
        assertThat(error("{\"type\":\"ALIAS_REMOVED\",\"model\":\"m\",\"version\":1,\"at\":0}").reason())
                .isEqualTo("is required for ALIAS_REMOVED");
        assertThat(error("{\"type\":\"ALIAS_MOVED\",\"model\":\"m\",\"version\":1,\"alias\":\"a/b\",\"at\":0}").field())
                .isEqualTo("alias");
        assertThat(error("{\"type\":\"VERSION_CREATED\",\"model\":\"m\",\"version\":0,\"at\":0}").field())
                .isEqualTo("version");
        assertThat(error("{\"type\":\"VERSION_CREATED\",\"model\":\"m\",\"version\":1,\"sha256\":\"ABC\",\"at\":0}").reason())
                .isEqualTo("expected 64 lower-case hex digits");
        assertThat(error("{\"type\":\"VERSION_CREATED\",\"model\":\"m\",\"version\":1,\"at\":0,\"aliases\":{\"x\":\"1\"}}").field())
                .isEqualTo("aliases.x");
    }

    @Test
    void safeNamesRejectTraversalAndOddCharacters() {
        assertThat(ModelNames.isName("etth1-ot_v2.lstm")).isTrue();
        for (String bad : new String[]{"", ".hidden", "a/b", "a\\b", "..", "a..b", "a b", "é", "x".repeat(65)}) {
            assertThat(ModelNames.isName(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> new ModelEvent(ModelEvent.Type.VERSION_CREATED, "a/b", 1, null, null, null, 0, Map.of()))
                .hasMessageContaining("unsafe model name");
    }
}
