package dev.streamcast.trainer.training;

import ai.djl.nn.AbstractBlock;

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
}
