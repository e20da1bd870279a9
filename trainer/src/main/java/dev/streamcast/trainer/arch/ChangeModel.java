package dev.streamcast.trainer.arch;

/** A DJL model that reads and forecasts through {@link ChangeForecast}: its sizes are the framing's. */
interface ChangeModel extends DjlModel {

    ChangeForecast framing();

    @Override
    default int horizon() {
        return framing().slots;
    }

    @Override
    default int targets() {
        return framing().targets();
    }
}
