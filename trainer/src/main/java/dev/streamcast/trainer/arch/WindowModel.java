package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.DjlModel;

import java.util.List;

/**
 * A model of each target's look-back window (dlinear, rlinear, nlinear, sparsetsf): its state is the ring of the
 * last L - 1 target values, it is warm after L steps, and its sequence forecast is every step's window through the
 * DJL model (zeros before the start), as the step graph sees it.
 */
interface WindowModel extends DjlModel {

    int lookback();

    int[] targetIndex();

    @Override
    default List<StateTensor> state() {
        return List.of(StateTensor.window("lookback", lookback() - 1, targets()));
    }

    @Override
    default int warmUpSteps() {
        return lookback();
    }

    @Override
    default int targets() {
        return targetIndex().length;
    }

    @Override
    default float[] forwardSequence(float[] x, int batch, int steps, int features) {
        return fitter().forecast(DLinear.windows(x, batch, steps, features, lookback()), batch * steps);
    }
}
