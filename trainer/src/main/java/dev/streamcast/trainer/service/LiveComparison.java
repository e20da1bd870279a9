package dev.streamcast.trainer.service;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.trainer.eval.DieboldMariano;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores the forecasts of the champion ({@code forecasts}) and of the challenger ({@code forecasts-shadow}) against
 * the actual {@code features} as they arrive, in z-scored units of each model (its training mean and standard
 * deviation), and decides two things:
 * <ul>
 *   <li><b>drift</b>: the champion's mean absolute error over its last {@code driftErrors} scored values (every
 *   horizon step and target) above {@code driftFactor} times its backtest MAE;</li>
 *   <li><b>promotion</b>: on pairs (the same entity, origin and horizon step forecast by both), the challenger is
 *   promoted when its mean squared error is at least {@code margin} below the champion's with a one-sided
 *   Diebold-Mariano p-value below {@code alpha} (Newey-West lag H − 1), and not above seasonal naive's on the same
 *   pairs by more than {@code margin}; it is kept out when {@code maxPairs} pass without that, or when the champion is significantly better. The
 *   test looks at {@code minPairs}, twice that, four times, ... and at {@code maxPairs}, each look at alpha divided by
 *   the number of looks (Bonferroni): looking again and again would otherwise promote an equal challenger by chance.</li>
 * </ul>
 * Imputed actuals are not scored. Pure: the Kafka side is {@link LiveScores}. Not thread-safe: one consumer thread.
 */
public final class LiveComparison {

    /** What the comparison needs to know of a model ({@code name@version}): its scale and its backtest MAE. */
    public interface Facts {
        /** The model's training standard deviation per target name, and its backtest MAE (z-scored); null when unknown. */
        ModelFacts of(String ref);
    }

    public record ModelFacts(Map<String, Double> std, double backtestMae) {
    }

    public enum Slot { CHAMPION, CHALLENGER }

    /** A decision on a challenger, with its numbers. */
    public record Decision(String champion, String challenger, boolean promote, String why, int pairs, double dmStatistic,
                           double pValue, double championMse, double challengerMse, double naiveMse, long at) {

        public String describe() {
            return String.format(Locale.ROOT, "%s %s over %s: %s (pairs %d, mse %.4f vs %.4f, improvement %.1f%%, DM %.2f,"
                            + " p %.4f, seasonal naive %.4f)", promote ? "promoted" : "kept out", challenger, champion, why,
                    pairs, challengerMse, championMse, 100 * (championMse - challengerMse) / championMse, dmStatistic, pValue,
                    naiveMse);
        }
    }

    /** What the comparison tells its owner. */
    public interface Listener {
        void drift(String champion, double liveMae, double backtestMae, int errors);

        void decided(Decision decision);
    }

    private record Prediction(Slot slot, String model, int h, Map<String, Double> point) {
    }

    private final TrainerServiceConfig.Live settings;
    private final Facts facts;
    private final Listener listener;
    private final Map<String, FeatureSpec> specs = new HashMap<>();
    /** Per entity, per step time: the predictions waiting for that step's actual. */
    private final Map<String, TreeMap<Long, List<Prediction>>> pending = new HashMap<>();
    /** Per entity: recent actuals by window start, for seasonal naive. */
    private final Map<String, TreeMap<Long, Map<String, Double>>> actuals = new HashMap<>();
    private final Deque<Double> championErrors = new ArrayDeque<>();
    private double championErrorSum;    // of championErrors: the window's mean without a pass over it per error
    private String driftModel = "";
    private long lastDrift = Long.MIN_VALUE / 2;
    private String pairChampion = "";
    private String pairChallenger = "";
    private double[] championLoss = new double[1024];
    private double[] challengerLoss = new double[1024];
    private double naiveLoss;
    private int naivePairs;
    private int pairs;
    private int maxH = 1;
    private boolean decided;
    private long step = 0;

    public LiveComparison(TrainerServiceConfig.Live settings, Facts facts, Listener listener) {
        this.settings = settings;
        this.facts = facts;
        this.listener = listener;
    }

    public void spec(FeatureSpec spec) {
        specs.put(spec.id(), spec);
    }

    public void forecast(Slot slot, String entity, Forecast f) {
        TreeMap<Long, List<Prediction>> byTime = pending.computeIfAbsent(entity, e -> new TreeMap<>());
        for (Forecast.Step s : f.steps()) {
            byTime.computeIfAbsent(s.ts(), t -> new ArrayList<>(4)).add(new Prediction(slot, f.model(), s.h(), s.point()));
            maxH = Math.max(maxH, s.h());
        }
        if (f.steps().size() > 1) {
            step = f.steps().get(1).ts() - f.steps().get(0).ts();
        }
        while (byTime.size() > 4 * maxH + 8) {
            byTime.pollFirstEntry(); // never scored (no actual came): bounded per entity
        }
    }

    public void actual(String entity, FeatureVector v, long now) {
        FeatureSpec spec = specs.get(v.specId());
        if (spec == null) {
            return;
        }
        Map<String, Double> values = new HashMap<>();
        for (int i = 0; i < spec.size(); i++) {
            if (v.observed()[i]) {
                values.put(spec.names().get(i), v.values()[i]);
            }
        }
        TreeMap<Long, Map<String, Double>> history = actuals.computeIfAbsent(entity, e -> new TreeMap<>());
        history.put(v.windowStart(), values);
        while (history.size() > settings.season() * (1 + (maxH + settings.season() - 1) / settings.season()) + 1) {
            history.pollFirstEntry();
        }
        TreeMap<Long, List<Prediction>> byTime = pending.get(entity);
        if (byTime == null) {
            return;
        }
        List<Prediction> due = byTime.remove(v.windowStart());
        byTime.headMap(v.windowStart()).clear(); // earlier steps will not come now
        if (due == null) {
            return;
        }
        Map<Integer, Prediction> champion = new HashMap<>();
        Map<Integer, Prediction> challenger = new HashMap<>();
        for (Prediction p : due) {
            (p.slot() == Slot.CHAMPION ? champion : challenger).put(p.h(), p);
        }
        for (Prediction p : champion.values()) {
            scoreChampion(p, values, now);
        }
        for (Map.Entry<Integer, Prediction> e : champion.entrySet()) {
            Prediction other = challenger.get(e.getKey());
            if (other != null) {
                pair(entity, v.windowStart(), e.getValue(), other, values, history, now);
            }
        }
    }

    private void scoreChampion(Prediction p, Map<String, Double> values, long now) {
        ModelFacts model = facts.of(p.model());
        if (model == null) {
            return;
        }
        if (!p.model().equals(driftModel)) {
            driftModel = p.model();
            clearChampionErrors(); // a new champion: its own errors from now
        }
        for (Map.Entry<String, Double> e : p.point().entrySet()) {
            Double actual = values.get(e.getKey());
            Double std = model.std().get(e.getKey());
            if (actual != null && std != null && std > 0) {
                double error = Math.abs(e.getValue() - actual) / std;
                championErrors.addLast(error);
                championErrorSum += error;
                if (championErrors.size() > settings.driftErrors()) {
                    championErrorSum -= championErrors.removeFirst();
                }
            }
        }
        if (championErrors.size() == settings.driftErrors() && now - lastDrift >= settings.driftCooldown().toMillis()) {
            double live = championErrorSum / championErrors.size();
            if (Double.isFinite(model.backtestMae()) && live > settings.driftFactor() * model.backtestMae()) {
                lastDrift = now;
                clearChampionErrors();
                listener.drift(p.model(), live, model.backtestMae(), settings.driftErrors());
            }
        }
    }

    private void pair(String entity, long ts, Prediction champ, Prediction chall, Map<String, Double> values,
                      TreeMap<Long, Map<String, Double>> history, long now) {
        if (!champ.model().equals(pairChampion) || !chall.model().equals(pairChallenger)) {
            pairChampion = champ.model();
            pairChallenger = chall.model();
            pairs = 0;
            naiveLoss = 0;
            naivePairs = 0;
            decided = false;
        }
        if (decided) {
            return;
        }
        ModelFacts model = facts.of(champ.model());
        if (model == null) {
            return;
        }
        int seasons = (champ.h() + settings.season() - 1) / settings.season();
        Map<String, Double> naive = step > 0 ? history.get(ts - (long) seasons * settings.season() * step) : null;
        double lc = 0;
        double lh = 0;
        double ln = 0;
        int n = 0;
        boolean withNaive = naive != null;
        for (Map.Entry<String, Double> e : champ.point().entrySet()) {
            Double actual = values.get(e.getKey());
            Double other = chall.point().get(e.getKey());
            Double std = model.std().get(e.getKey());
            if (actual == null || other == null || std == null || !(std > 0)) {
                continue;
            }
            lc += sq((e.getValue() - actual) / std);
            lh += sq((other - actual) / std);
            Double past = withNaive ? naive.get(e.getKey()) : null;
            if (past == null) {
                withNaive = false;
            } else {
                ln += sq((past - actual) / std);
            }
            n++;
        }
        if (n == 0) {
            return;
        }
        if (pairs == championLoss.length) {
            championLoss = java.util.Arrays.copyOf(championLoss, pairs * 2);
            challengerLoss = java.util.Arrays.copyOf(challengerLoss, pairs * 2);
        }
        championLoss[pairs] = lc / n;
        challengerLoss[pairs] = lh / n;
        pairs++;
        if (withNaive) {
            naiveLoss += ln / n;
            naivePairs++;
        }
        if (pairs >= settings.maxPairs() || isLook(pairs)) {
            decide(now);
        }
    }

    /** The test looks at min-pairs, twice that, four times, ... (and at max-pairs): few looks, each at a share of alpha. */
    private boolean isLook(int n) {
        for (long look = settings.minPairs(); look < settings.maxPairs(); look *= 2) {
            if (n == look) {
                return true;
            }
        }
        return false;
    }

    /** How many looks there are: alpha is split between them (Bonferroni), so repeated looks do not inflate it. */
    private int looks() {
        int looks = 1;
        for (long look = settings.minPairs(); look < settings.maxPairs(); look *= 2) {
            looks++;
        }
        return looks;
    }

    private void decide(long now) {
        DieboldMariano.Result dm = DieboldMariano.test(championLoss, challengerLoss, pairs, Math.max(0, maxH - 1));
        double naive = naivePairs == 0 ? Double.NaN : naiveLoss / naivePairs;
        double alpha = settings.alpha() / looks();
        boolean better = dm.improvement() >= settings.margin() && dm.pValue() < alpha;
        // seasonal naive is the floor, within the margin: a seasonal-naive challenger scores as the floor does, up to
        // the few steps its own ring filled otherwise (imputed inputs), and must not be kept out by that difference
        boolean aboveNaive = Double.isFinite(naive) && dm.meanLossB() > naive * (1 + settings.margin());
        boolean championBetter = 1 - dm.pValue() < alpha;
        String why;
        boolean promote = false;
        if (better && !aboveNaive) {
            promote = true;
            why = String.format(Locale.ROOT, "better by %.1f%% >= %.1f%% with p %.2g < %.3f", 100 * dm.improvement(),
                    100 * settings.margin(), dm.pValue(), alpha);
        } else if (better) {
            why = String.format(Locale.ROOT, "better than the champion but worse than seasonal naive by more than %.1f%%",
                    100 * settings.margin());
        } else if (championBetter) {
            why = String.format(Locale.ROOT, "the champion is significantly better (p %.2g < %.3f)", 1 - dm.pValue(), alpha);
        } else if (pairs >= settings.maxPairs()) {
            why = String.format(Locale.ROOT, "not better by %.1f%% with p < %.2f within %d pairs", 100 * settings.margin(),
                    settings.alpha(), settings.maxPairs());
        } else {
            return; // not yet: more pairs
        }
        decided = true;
        listener.decided(new Decision(pairChampion, pairChallenger, promote, why, pairs, dm.statistic(), dm.pValue(),
                dm.meanLossA(), dm.meanLossB(), naive, now));
    }

    /**
     * Whether {@code challenger} ("fleet@16") is the one being compared, with live pairs and no decision yet: "fleet@16
     * (440 live pairs against fleet@2, no decision yet)"; empty before its first pair, once decided, and for another
     * model (a comparison of an earlier challenger that the forecaster's shadow has not left yet says nothing about it).
     */
    public java.util.Optional<String> undecided(String challenger) {
        if (pairs == 0 || decided || !pairChallenger.equals(challenger)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(String.format(Locale.ROOT, "%s (%d live pairs against %s, no decision yet)", pairChallenger,
                pairs, pairChampion));
    }

    /** Where the comparison stands, for {@code /api/live}. */
    public Map<String, Object> view() {
        Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put("champion", pairChampion.isEmpty() ? driftModel : pairChampion);
        v.put("challenger", pairChallenger);
        v.put("pairs", pairs);
        v.put("decided", decided);
        double champ = 0;
        double chall = 0;
        for (int i = 0; i < pairs; i++) {
            champ += championLoss[i];
            chall += challengerLoss[i];
        }
        v.put("championMse", pairs == 0 ? null : champ / pairs);
        v.put("challengerMse", pairs == 0 ? null : chall / pairs);
        v.put("naiveMse", naivePairs == 0 ? null : naiveLoss / naivePairs);
        v.put("driftErrors", championErrors.size());
        v.put("championLiveMae", championErrors.isEmpty() ? null : championErrorSum / championErrors.size());
        return v;
    }

    private void clearChampionErrors() {
        championErrors.clear();
        championErrorSum = 0;
    }

    private static double sq(double x) {
        return x * x;
    }
}
