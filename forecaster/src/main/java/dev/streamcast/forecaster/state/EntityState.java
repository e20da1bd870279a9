package dev.streamcast.forecaster.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything the forecaster keeps per entity (and per served alias) in its changelogged store,
 * so a restart, crash or rebalance resumes exactly where the last commit left off:
 * <ul>
 *   <li>the model state: every carry tensor, then every window ring (oldest entry first), in the
 *       manifest's order ({@code batching.StateLayout}), and the model it belongs to with the steps
 *       applied under it;</li>
 *   <li>the model's own recent inputs (in stream units, the model's features only, named by the spec
 *       the model was trained on), to warm a new model's state on a swap; before any model, the
 *       raw vectors (named by their spec);</li>
 *   <li>the input waiting for its batch, if any (an input is part of the state from the moment
 *       its offset may be committed);</li>
 *   <li>recent point forecasts at the evaluated horizons, to score them when their actual arrives;</li>
 *   <li>how many of its inputs in a row brought no forecast when one was due ({@link #missedForecasts()}),
 *       which {@code forecaster_stale_entities} counts from.</li>
 * </ul>
 * Mutable on purpose: a stream thread reads it, updates it and writes it back. Its bytes are
 * {@link EntityStateFormat}'s.
 */
public final class EntityState {

    String modelRef = "";
    long steps;
    long lastWindowStart = Long.MIN_VALUE;   // of the last input stepped
    long lastInput = Long.MIN_VALUE;         // window end of the last input accepted (stepped or pending): the TTL's clock
    int missedForecasts;                     // inputs in a row without a forecast when one was due; < 0 in the first warm-up
    float[] tensors = new float[0];

    String historySpec = "";
    int historyFeatures;
    int historyCount;
    float[] history = new float[0];          // [capacity, historyFeatures], oldest first; only historyCount rows are stored

    Pending pending;

    int evalWidth;                           // evaluated horizons x targets
    long[] evalOrigins = new long[0];        // ring of forecast origins, Long.MIN_VALUE for empty
    float[] evalValues = new float[0];       // [ring, evalWidth]
    int evalNext;

    /** Size of this state as last read from or written to the store; 0 for a new entity. Not stored. */
    int storedBytes;
    /** Whether {@code forecaster_stale_entities} counts this state as last read or written. Not stored. */
    boolean countedStale;
    /** Whether {@link EntityStore} keeps this object among its decoded states. Not stored. */
    boolean kept;
    /** The entity's live page once looked up (see {@link #page(EntityPages, String)}). Not stored. */
    private EntityPages.Page page;

    /** An input waiting for its batch: raw values in stream units, in the order of its spec. */
    public record Pending(String specId, long windowStart, long windowEnd, float[] values) {
    }

    /** A remembered point forecast: its origin, and its values at the evaluated horizons, [horizons, targets]. */
    public record Remembered(long origin, float[] values) {
    }

    /** The remembered point forecasts, oldest origin first. */
    public List<Remembered> rememberedForecasts() {
        List<Remembered> out = new ArrayList<>();
        for (int i = 0; i < evalOrigins.length; i++) {
            if (evalOrigins[i] != Long.MIN_VALUE) {
                out.add(new Remembered(evalOrigins[i], Arrays.copyOfRange(evalValues, i * evalWidth, (i + 1) * evalWidth)));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Remembered::origin));
        return out;
    }

    /**
     * This entity's ({@code entity}'s) page in {@code pages}, looked up once and then kept with this decoded state, so an
     * input finds its entity's state and page with one lookup (at 10^5 entities the page's own lookup,
     * mostly cache misses, was a sixth of the stream thread's samples in {@code bench forecaster}). A
     * task's pages and its decoded states start and end together, so the kept page is the store's.
     */
    public EntityPages.Page page(EntityPages pages, String entity) {
        EntityPages.Page known = page;
        return known != null ? known : (page = pages.page(entity));
    }

    /** The input waiting for its batch, or null. */
    public Pending pending() {
        return pending;
    }

    /** The window start of the last input remembered in the history (stepped, or taken in with no model); not the pending one. */
    public long lastRememberedWindowStart() {
        return lastWindowStart;
    }

    /** The window start of the entity's latest input, pending or stepped: older vectors are stale. */
    public long latestWindowStart() {
        return pending != null ? pending.windowStart() : lastWindowStart;
    }

    /** The input becomes the entity's pending input (the TTL's clock moves with it). */
    public void await(Pending input) {
        pending = input;
        lastInput = input.windowEnd();
    }

    /** With no model to step: the input only joins the history, so the first model can warm up on it. No forecast. */
    public void rememberUnserved(Pending input, int historyCapacity) {
        remember(input.specId(), input.values(), historyCapacity);
        lastWindowStart = input.windowStart();
        lastInput = input.windowEnd();
        missedForecast();
    }

    /**
     * The pending input has been stepped: counts it, remembers {@code modelInputs} (the model's own
     * features of it, in stream units, named by {@code modelSpec}), and returns it.
     */
    public Pending completeStep(String modelSpec, float[] modelInputs, int historyCapacity) {
        Pending input = pending;
        steps++;
        lastWindowStart = input.windowStart();
        remember(modelSpec, modelInputs, historyCapacity);
        pending = null;
        return input;
    }

    /** Drops the pending input unstepped (refused: a model that cannot read it, or fails on it). No forecast. */
    public void dropPending() {
        pending = null;
        missedForecast();
    }

    /** Whether this entity has never been stored: its first input is the first thing it has. */
    public boolean isNew() {
        return storedBytes == 0;
    }

    /**
     * A new entity's first forecast is due with its {@code warmUp}-th input (the model's warm-up
     * length; 1 to forecast from the first, or with no model yet): the inputs before it are no
     * missed forecasts.
     */
    public void firstForecastDueAt(int warmUp) {
        missedForecasts = 1 - Math.max(1, warmUp);
    }

    /** A forecast was written for the input just stepped. */
    public void forecastWritten() {
        missedForecasts = 0;
    }

    /** The input just stepped brought no forecast (the model was warming up again after a swap or a reset). */
    public void noForecastWritten() {
        missedForecast();
    }

    /**
     * Inputs in a row that brought no forecast when one was due: since the last forecast, or, in the
     * entity's first warm-up, beyond those the model needs before its first forecast (negative until
     * then). Refused inputs count, and inputs taken while there is no model; a pending input counts
     * once its outcome is known.
     */
    public int missedForecasts() {
        return missedForecasts;
    }

    private void missedForecast() {
        if (missedForecasts < Integer.MAX_VALUE) {
            missedForecasts++;
        }
    }

    /** Zero state for {@code ref}, whose state is {@code stateFloats} floats: no steps, no forecasts to score. */
    public void startModel(String ref, int stateFloats) {
        modelRef = ref;
        tensors = new float[stateFloats];
        steps = 0;
        evalWidth = 0;
        evalOrigins = new long[0];
        evalValues = new float[0];
        evalNext = 0;
    }

    /**
     * After a step that gave NaN or infinity: the pending input counts as seen (a replay of it is
     * stale), and the entity starts over with zero state for {@code ref} and nothing remembered,
     * neither inputs (they led here) nor forecasts to score.
     */
    public void startOver(String ref, int stateFloats) {
        if (pending != null) {
            lastWindowStart = pending.windowStart();
            pending = null;
        }
        startModel(ref, stateFloats);
        historyCount = 0;
    }

    /** Counts one step replayed from the history. */
    public void countReplayedStep() {
        steps++;
    }

    /** {@code name@version} of the model the state tensors belong to; empty before any. */
    public String modelRef() {
        return modelRef;
    }

    /**
     * Whether the state tensors belong to the model {@code ref} names. When they do, this state keeps
     * that very string from now on, so the next check compares references: a state decoded from the
     * store has its own copy of the name, whose characters every step would otherwise read (memory
     * the step has no other use for, at 10^5 entities a cache miss).
     */
    public boolean belongsTo(String ref) {
        if (modelRef == ref) {
            return true;
        }
        if (!ref.equals(modelRef)) {
            return false;
        }
        modelRef = ref;
        return true;
    }

    /** Steps applied under {@link #modelRef()}. */
    public long steps() {
        return steps;
    }

    /** The window end of the last accepted input (stepped or pending). */
    public long lastInput() {
        return lastInput;
    }

    /** The model state, packed as the model's state layout says; the live array, updated in place by a step. */
    public float[] tensors() {
        return tensors;
    }

    /** The spec id of the remembered inputs. */
    public String historySpec() {
        return historySpec;
    }

    /** The last {@code n} remembered inputs (or all there are), oldest first, each [historyFeatures]. */
    public List<float[]> recentInputs(int n) {
        int m = Math.min(n, historyCount);
        List<float[]> rows = new ArrayList<>(m);
        for (int r = historyCount - m; r < historyCount; r++) {
            rows.add(Arrays.copyOfRange(history, r * historyFeatures, (r + 1) * historyFeatures));
        }
        return rows;
    }

    /** Evaluated horizons x targets of the remembered forecasts; 0 when none are remembered. */
    public int evalWidth() {
        return evalWidth;
    }

    /** Records the point forecast values at the evaluated horizons for {@code origin}, in a ring of {@code ring}. */
    public void rememberForecast(long origin, float[] values, int ring) {
        if (evalWidth != values.length || evalOrigins.length != ring) {
            evalWidth = values.length;
            evalOrigins = new long[ring];
            Arrays.fill(evalOrigins, Long.MIN_VALUE);
            evalValues = new float[ring * values.length];
            evalNext = 0;
        }
        if (ring == 0) {
            return;
        }
        evalOrigins[evalNext] = origin;
        System.arraycopy(values, 0, evalValues, evalNext * evalWidth, evalWidth);
        evalNext = (evalNext + 1) % ring;
    }

    /**
     * Where the remembered forecast made at {@code origin} starts among the remembered values (read them
     * with {@link #rememberedValue}), or -1 when none is remembered: no copy per scored input.
     */
    public int rememberedAt(long origin) {
        return rememberedAt(origin, 0);
    }

    /**
     * The same, looking first where the forecast made {@code stepsBack} steps ago lies when every step
     * since was remembered (most entities, most steps): one entry read instead of the ring scanned,
     * which at 10^5 entities is a cache miss or two fewer per scored input.
     */
    public int rememberedAt(long origin, int stepsBack) {
        int ring = evalOrigins.length;
        if (stepsBack >= 1 && stepsBack <= ring) {
            int guess = Math.floorMod(evalNext - stepsBack, ring);
            if (evalOrigins[guess] == origin) {
                return guess * evalWidth;
            }
        }
        for (int i = 0; i < evalOrigins.length; i++) {
            if (evalOrigins[i] == origin) {
                return i * evalWidth;
            }
        }
        return -1;
    }

    /** The remembered value {@code i} (of {@link #evalWidth()}) of the forecast starting at {@code at}. */
    public float rememberedValue(int at, int i) {
        return evalValues[at + i];
    }

    /** Appends one raw input to the history ring of {@code capacity} entries (spec changes start it over). */
    private void remember(String specId, float[] values, int capacity) {
        if (!specId.equals(historySpec) || values.length != historyFeatures || history.length != capacity * values.length) {
            historySpec = specId;
            historyFeatures = values.length;
            historyCount = 0;
            history = new float[capacity * values.length];
        }
        if (capacity == 0) {
            return;
        }
        if (historyCount == capacity) {
            System.arraycopy(history, historyFeatures, history, 0, (capacity - 1) * historyFeatures);
            historyCount--;
        }
        System.arraycopy(values, 0, history, historyCount * historyFeatures, historyFeatures);
        historyCount++;
    }
}
