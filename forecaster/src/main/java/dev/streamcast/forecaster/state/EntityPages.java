package dev.streamcast.forecaster.state;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.StateStoreProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the live page shows of each entity beyond its model state, one {@link Page} per entity: the
 * ring of its recent actuals ({@code serving.RecentActuals}) and the latest forecast bytes of each
 * slot, as written to the slot's topic. A Kafka Streams state store of the forecaster's task, in memory
 * and not changelogged (a restarted instance shows an entity's history and forecast again as they
 * arrive); an entity's entry goes when the TTL expires its served state. The page reads it on the
 * HTTP threads through an interactive query ({@link #QUERYABLE}).
 *
 * <p>One entry per entity, so a step touches it once: the processor looks the page up when the input
 * arrives (writing the actuals' row) and hands it with the input to the batch, which writes the forecast
 * into the same page without a second lookup. At 10^5 entities the two lookups of separate stores, each
 * mostly cache misses, were a fifth of the stream thread's samples ({@code bench forecaster}). Writers
 * and readers hold the page's lock.
 */
public final class EntityPages implements StateStore, PageReader {

    public static final String STORE = "entity-page";

    /** For {@code KafkaStreams.store}: this instance's pages of an entity, whichever task holds it. */
    public static final QueryableStoreType<PageReader> QUERYABLE = new QueryableStoreType<>() {
        @Override
        public boolean accepts(StateStore store) {
            return store instanceof EntityPages;
        }

        @Override
        public PageReader create(StateStoreProvider provider, String storeName) {
            return entity -> {
                for (PageReader pages : provider.stores(storeName, this)) { // each task's store here
                    Page page = pages.get(entity);
                    if (page != null) {
                        return page;
                    }
                }
                return null;
            };
        }
    };

    /**
     * One entity's page; read and write its fields holding its lock ({@code synchronized (page)}). What a
     * step changes sits in this object's own fields where it can (the served slot's forecast array, where
     * the actuals' ring stands), so a step reaches one array fewer, each a cache miss at 10^5 entities.
     */
    public static final class Page {
        /** The recent actuals' ring in {@code RecentActuals}' layout, or null. */
        public byte[] actuals;
        /** What {@link #actuals} was laid out for ({@code RecentActuals}' own marker, compared by identity). */
        public Object actualsLayout;
        /** Rows in the ring, the slot of its next row, and the window start of its newest row. */
        public int actualsCount;
        public int actualsNext;
        public long actualsNewest;
        /** The latest forecast bytes of the served slot (index 0), and of the others (index - 1). */
        private byte[] served;
        private final byte[][] others;

        Page(int slots) {
            this.others = new byte[Math.max(0, slots - 1)][];
        }

        /** A copy of the latest forecast bytes of slot {@code slot} (its index in the forecaster's slots), or null. */
        public synchronized byte[] latest(int slot) {
            byte[] kept = kept(slot);
            return kept == null ? null : kept.clone();
        }

        private byte[] kept(int slot) {
            return slot == 0 ? served : others[slot - 1];
        }

        /**
         * Keeps {@code forecast} as the slot's latest: copied into the kept array when it has the same length (a
         * model's forecasts do), so a step leaves no array behind to outlive young collections.
         */
        public synchronized void latest(int slot, byte[] forecast) {
            byte[] kept = kept(slot);
            if (kept != null && kept.length == forecast.length) {
                System.arraycopy(forecast, 0, kept, 0, forecast.length);
            } else if (slot == 0) {
                served = forecast.clone();
            } else {
                others[slot - 1] = forecast.clone();
            }
        }
    }

    private final int slots;
    private final Map<String, Page> pages = new ConcurrentHashMap<>();
    private volatile boolean open;

    public EntityPages(int slots) {
        this.slots = slots;
    }

    /** The entity's page, created empty if it has none. */
    public Page page(String entity) {
        Page page = pages.get(entity);
        return page != null ? page : pages.computeIfAbsent(entity, e -> new Page(slots));
    }

    /** Drops the entity's page (its state expired). */
    public void remove(String entity) {
        pages.remove(entity);
    }

    /** The entity's page, or null. */
    @Override
    public Page get(String entity) {
        return pages.get(entity);
    }

    /** A builder of the store for a topology of {@code slots} slots. */
    public static StoreBuilder<EntityPages> builder(int slots) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<EntityPages> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<EntityPages> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<EntityPages> withLoggingEnabled(Map<String, String> config) {
                throw new UnsupportedOperationException(STORE + " is not changelogged: the page's data comes back as the stream goes on");
            }

            @Override
            public StoreBuilder<EntityPages> withLoggingDisabled() {
                return this;
            }

            @Override
            public EntityPages build() {
                return new EntityPages(slots);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return STORE;
            }
        };
    }

    @Override
    public String name() {
        return STORE;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        pages.clear();
        context.register(root, (key, value) -> { }); // nothing to restore: not changelogged
        open = true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        pages.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return QueryResult.forUnknownQueryType(query, this);
    }

    @Override
    public Position getPosition() {
        return Position.emptyPosition();
    }
}
