package dev.streamcast.forecaster.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StateExpiryTest {

    static final long MIN = 60_000L;

    private final StoreFixture fixture = new StoreFixture();
    private final EntityStore store = new EntityStore("served", fixture.kv, fixture.metrics, 3);
    private final StateExpiry expiry = new StateExpiry("served", store, fixture.metrics, 30 * MIN);

    private void entity(String name, long lastWindowEnd) {
        EntityState state = new EntityState();
        state.await(new EntityState.Pending("spec", lastWindowEnd - MIN, lastWindowEnd, new float[]{1}));
        store.put(name, state);
    }

    @Test
    void entitiesWithoutInputForTheTtlOfStreamTimeLoseTheirState() {
        store.open();
        entity("silent", 10 * MIN);
        entity("active", 50 * MIN);
        entity("edge", 30 * MIN);

        assertThat(expiry.expire(60 * MIN)).containsExactly("silent");

        assertThat(fixture.kv.get("silent")).isNull();
        assertThat(fixture.kv.get("active")).isNotNull();
        assertThat(fixture.kv.get("edge")).as("exactly the TTL ago is kept").isNotNull();
        assertThat(fixture.meters.find("forecaster_entities_expired").tags("slot", "served").counter().count()).isEqualTo(1.0);
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(2.0);
    }

    @Test
    void aStaleEntityThatExpiresLeavesTheStaleGauge() {
        store.open();
        EntityState stale = new EntityState();
        for (int refused = 0; refused < 3; refused++) {
            stale.await(new EntityState.Pending("spec", refused * MIN, (refused + 1) * MIN, new float[]{1}));
            stale.dropPending();
        }
        store.put("stale", stale);
        entity("active", 50 * MIN);
        assertThat(fixture.gauge("forecaster_stale_entities")).isEqualTo(1.0);

        assertThat(expiry.expire(60 * MIN)).containsExactly("stale");

        assertThat(fixture.gauge("forecaster_stale_entities")).isZero();
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
    }

    @Test
    void unreadableStateIsDiscardedAtTheScanNotCountedAsExpired() {
        fixture.kv.put("newer", StoreFixture.newerVersion());
        store.open();
        entity("active", 50 * MIN);

        assertThat(expiry.expire(60 * MIN)).containsExactly("newer");

        assertThat(fixture.kv.get("newer")).isNull();
        assertThat(fixture.discarded()).isEqualTo(1.0);
        assertThat(fixture.meters.find("forecaster_entities_expired").counter().count()).isZero();
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
    }
}
