package dev.streamcast.forecaster.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An entity's page keeps the latest forecast of each slot in one array of its own, and readers get copies. */
class EntityPagesTest {

    @Test
    void theLatestForecastIsKeptInItsOwnArrayOverwrittenInPlaceAndReadAsACopy() {
        EntityPages pages = new EntityPages(2);
        EntityPages.Page page = pages.page("e1");
        byte[] first = {1, 2, 3};
        page.latest(1, first);
        first[0] = 9; // the caller's array is the caller's (it went to Kafka): the page kept its own copy

        byte[] read = page.latest(1);
        assertThat(read).containsExactly(1, 2, 3);
        read[1] = 9; // a reader's copy changes nothing kept
        assertThat(page.latest(1)).containsExactly(1, 2, 3);

        page.latest(1, new byte[] {4, 5, 6});
        page.latest(1, new byte[] {7, 8});
        assertThat(page.latest(1)).containsExactly(7, 8);
        assertThat(page.latest(0)).isNull();
        assertThat(pages.get("e1")).isSameAs(page);
        assertThat(pages.get("e2")).isNull();
    }
}
