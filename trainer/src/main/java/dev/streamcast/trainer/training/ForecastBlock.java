package dev.streamcast.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * A DJL block that maps inputs x [N, S, F] to the forecast after every step [N, S, H, T], or,
 * with {@link #lastOnly}, after the last step only [N, H, T] (training and backtests need no
 * more, and the head over every step of a long horizon would not fit in memory).
 */
public abstract class ForecastBlock extends AbstractBlock {

    protected boolean lastOnly = true;

    protected ForecastBlock(byte version) {
        super(version);
    }

    public void lastOnly(boolean value) {
        this.lastOnly = value;
    }

    /** Registers a sub-block (for an architecture's layer objects, which build their parts on the net). */
    public <B extends Block> B add(String name, B block) {
        return addChildBlock(name, block);
    }

    /** Registers a parameter of this net (for its layer objects). */
    public Parameter param(Parameter parameter) {
        return addParameter(parameter);
    }

    /** One block applied to one array. */
    protected static NDArray linear(ParameterStore store, Block block, NDArray a, boolean training) {
        return block.forward(store, new NDList(a), training).singletonOrThrow();
    }
}
