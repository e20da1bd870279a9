package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EntityStateFormatTest {

    /**
     * A state with every part filled: model state, history, a pending input, remembered forecasts and
     * missed forecasts.
     */
    static EntityState full() {
        EntityState s = new EntityState();
        s.startModel("fleet@2", 3);
        s.tensors()[1] = 0.5f;
        s.await(new EntityState.Pending("spec-a", 0, 60_000, new float[]{1, 2}));
        s.completeStep("model-spec", new float[]{1, 2}, 4);
        s.noForecastWritten();
        s.noForecastWritten();
        s.await(new EntityState.Pending("spec-a", 60_000, 120_000, new float[]{3, 4}));
        s.rememberForecast(0, new float[]{9, 8}, 2);
        return s;
    }

    @Test
    void everyPartOfTheStateReadsBackAsItWasWritten() throws Exception {
        EntityState written = full();

        byte[] bytes = EntityStateFormat.encode(written);
        EntityState read = EntityStateFormat.decode(bytes);

        assertThat(EntityStateFormat.encode(read)).isEqualTo(bytes);
        assertThat(read.modelRef()).isEqualTo("fleet@2");
        assertThat(read.steps()).isEqualTo(1);
        assertThat(read.tensors()).containsExactly(0, 0.5f, 0);
        assertThat(read.pending().values()).containsExactly(3, 4);
        assertThat(read.latestWindowStart()).isEqualTo(60_000);
        assertThat(read.recentInputs(4)).singleElement().satisfies(row -> assertThat(row).containsExactly(1, 2));
        assertThat(read.rememberedForecasts()).singleElement().satisfies(r -> {
            assertThat(r.origin()).isZero();
            assertThat(r.values()).containsExactly(9, 8);
        });
        assertThat(read.lastInput()).isEqualTo(120_000);
        assertThat(read.missedForecasts()).isEqualTo(2);
    }

    @Test
    void theTtlScanReadsTheLastInputAndTheMissedForecastsWithoutDecodingTheRest() throws Exception {
        assertThat(EntityStateFormat.lastInput(EntityStateFormat.encode(full()))).isEqualTo(120_000);
        assertThat(EntityStateFormat.lastInput(EntityStateFormat.encode(new EntityState()))).isEqualTo(Long.MIN_VALUE);
        assertThat(EntityStateFormat.missedForecasts(EntityStateFormat.encode(full()))).isEqualTo(2);
        EntityState warmingUp = new EntityState();
        warmingUp.firstForecastDueAt(8);
        assertThat(EntityStateFormat.missedForecasts(EntityStateFormat.encode(warmingUp))).isEqualTo(-7);
    }

    @Test
    void stateIsWrittenInTheVersionedEnvelope() {
        byte[] bytes = EntityStateFormat.encode(new EntityState());

        assertThat(bytes[0]).isEqualTo(StateFormat.MARKER);
        assertThat(StateFormat.versionOf(bytes)).isEqualTo(4);
    }

    @Test
    void onlyTheRememberedInputsThereAreAreStored() throws Exception {
        EntityState one = full();
        EntityState two = full();
        two.completeStep("model-spec", new float[]{3, 4}, 4);

        // a ring of 4 inputs of 2 features: each remembered input costs its 8 bytes, no more
        int growth = EntityStateFormat.encode(two).length - EntityStateFormat.encode(one).length;
        int pendingInput = 4 + "spec-a".length() + 8 + 8 + 4 + 2 * Float.BYTES; // stepped, so no longer stored
        assertThat(growth).isEqualTo(2 * Float.BYTES - pendingInput);
        EntityState read = EntityStateFormat.decode(EntityStateFormat.encode(two));
        assertThat(read.historySpec()).isEqualTo("model-spec");
        assertThat(read.recentInputs(4)).hasSize(2);
        assertThat(read.recentInputs(4).get(1)).containsExactly(3, 4);
    }

    @Test
    void stateOfVersion3IsStillReadWithNoMissedForecasts() throws Exception {
        // version 3: the fields of version 4 but the missed forecasts; only the remembered inputs there are
        java.nio.ByteBuffer b = new StateFormat(EntityStateFormat.FORMAT.name(), 3).allocate(512);
        byte[] ref = "fleet@1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putInt(ref.length).put(ref).putLong(5).putLong(240_000).putLong(300_000);
        b.putInt(2).putFloat(0.25f).putFloat(-1f);
        byte[] spec = "model-spec".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putInt(spec.length).put(spec).putInt(2).putInt(1);
        b.putInt(3).putInt(2).putFloat(7).putFloat(8); // capacity 3 rows, 2 values stored
        byte[] pendingSpec = "spec-a".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.put((byte) 1).putInt(pendingSpec.length).put(pendingSpec).putLong(300_000).putLong(360_000).putInt(1).putFloat(4);
        b.putInt(1).putInt(1).putLong(240_000).putFloat(9).putInt(0);
        byte[] v3 = java.util.Arrays.copyOf(b.array(), b.position());

        EntityState read = EntityStateFormat.decode(v3);

        assertThat(read.modelRef()).isEqualTo("fleet@1");
        assertThat(read.steps()).isEqualTo(5);
        assertThat(read.lastInput()).isEqualTo(300_000);
        assertThat(read.tensors()).containsExactly(0.25f, -1f);
        assertThat(read.recentInputs(3)).singleElement().satisfies(row -> assertThat(row).containsExactly(7, 8));
        assertThat(read.pending().values()).containsExactly(4);
        int at = read.rememberedAt(240_000);
        assertThat(at).isNotNegative();
        assertThat(read.rememberedValue(at, 0)).isEqualTo(9);
        assertThat(read.rememberedAt(180_000)).as("no forecast made then").isEqualTo(-1);
        assertThat(read.missedForecasts()).isZero();
        assertThat(EntityStateFormat.missedForecasts(v3)).isZero();
        assertThat(EntityStateFormat.lastInput(v3)).isEqualTo(300_000);
        EntityState written = EntityStateFormat.decode(EntityStateFormat.encode(read));
        assertThat(written.pending().values()).as("written again as version 4").containsExactly(4);
        assertThat(written.missedForecasts()).isZero();
    }

    @Test
    void stateOfVersion2IsStillRead() throws Exception {
        // version 2: the fields of version 3, the history ring stored whole (here 3 rows of 2, one filled)
        java.nio.ByteBuffer b = new StateFormat(EntityStateFormat.FORMAT.name(), 2).allocate(512);
        byte[] ref = "fleet@1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putInt(ref.length).put(ref).putLong(5).putLong(240_000).putLong(300_000);
        b.putInt(2).putFloat(0.25f).putFloat(-1f);
        byte[] spec = "raw-spec".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putInt(spec.length).put(spec).putInt(2).putInt(1);
        b.putInt(6).putFloat(7).putFloat(8).putFloat(0).putFloat(0).putFloat(0).putFloat(0);
        b.put((byte) 0).putInt(0).putInt(0).putInt(0);
        byte[] v2 = java.util.Arrays.copyOf(b.array(), b.position());

        EntityState read = EntityStateFormat.decode(v2);

        assertThat(read.modelRef()).isEqualTo("fleet@1");
        assertThat(read.steps()).isEqualTo(5);
        assertThat(read.tensors()).containsExactly(0.25f, -1f);
        assertThat(read.historySpec()).isEqualTo("raw-spec");
        assertThat(read.recentInputs(3)).singleElement().satisfies(row -> assertThat(row).containsExactly(7, 8));
        assertThat(read.missedForecasts()).isZero();
        assertThat(EntityStateFormat.lastInput(v2)).isEqualTo(300_000);
        assertThat(EntityStateFormat.missedForecasts(v2)).isZero();
    }

    @Test
    void stateOfANewerVersionOrFromBeforeTheEnvelopeIsRefusedNeverMisread() {
        byte[] newer = new StateFormat(EntityStateFormat.FORMAT.name(), 5).allocate(64).array();
        byte[] firstFormat = new byte[64];
        firstFormat[0] = 1; // the first format: a leading version byte, no envelope

        for (byte[] bytes : List.of(newer, firstFormat)) {
            assertThatThrownBy(() -> EntityStateFormat.decode(bytes)).isInstanceOf(UnreadableStateException.class)
                    .hasMessageContaining("this release reads version 4");
            assertThatThrownBy(() -> EntityStateFormat.lastInput(bytes)).isInstanceOf(UnreadableStateException.class);
            assertThatThrownBy(() -> EntityStateFormat.missedForecasts(bytes)).isInstanceOf(UnreadableStateException.class);
        }
    }
}
