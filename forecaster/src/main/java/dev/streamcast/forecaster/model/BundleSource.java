package dev.streamcast.forecaster.model;

import java.nio.file.Path;
import java.util.OptionalLong;

/** Where served bundles come from: the model registry, or a folder of bundles. */
public interface BundleSource {

    /** The version {@code alias} of model {@code name} points to now, or empty when it points nowhere. */
    OptionalLong resolve(String name, String alias) throws ModelLoadException;

    /** A local folder with the verified bundle of {@code name@version}, fetched first if needed. */
    Path fetch(String name, long version) throws ModelLoadException;

    /** Where this source is, for messages. */
    String describe();
}
