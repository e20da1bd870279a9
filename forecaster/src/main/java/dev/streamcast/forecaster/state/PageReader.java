package dev.streamcast.forecaster.state;

/** The entities' pages as the live page reads them, through {@link EntityPages#QUERYABLE}. */
@FunctionalInterface
public interface PageReader {

    /** The entity's page, or null when none is kept here. */
    EntityPages.Page get(String entity);
}
