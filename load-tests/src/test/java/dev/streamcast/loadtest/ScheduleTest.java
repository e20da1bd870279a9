package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

    static final Duration MINUTE = Duration.ofMinutes(1);

    /** Every record of a round, as (entity, is text), laid out the way the generator walks them. */
    static List<int[]> round(Schedule s) {
        List<int[]> records = new ArrayList<>();
        for (int e = 0; e < s.entities(); e++) {
            records.add(new int[]{e, 0});
            for (int t = 0; t < s.textsOf(e); t++) {
                records.add(new int[]{e, 1});
            }
        }
        return records;
    }

    @Test
    void textIsItsShareOfTheTrafficAndEachReadingSitsAtItsPosition() {
        Schedule s = new Schedule(1000, 4, 0.2, MINUTE, Duration.ofSeconds(10), 0, 4);
        assertThat(s.textPerRound()).isEqualTo(250); // 250 / 1250 = 0.2
        List<int[]> records = round(s);
        assertThat(records).hasSize(s.recordsPerRound());
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i)[1] == 0) {
                assertThat(s.position(records.get(i)[0])).isEqualTo(i);
            }
        }
    }

    @Test
    void theClosingRecordOfAWindowIsTheFirstRecordOfTheNextRoundInThePartition() {
        Schedule s = new Schedule(50, 2, 0.1, MINUTE, Duration.ofSeconds(10), 600_000, 4);
        List<int[]> records = round(s);
        for (int e = 0; e < s.entities(); e++) {
            // brute force: the first record of round 3 whose entity shares e's partition
            int p = s.partitionOf(e);
            int first = -1;
            for (int i = 0; i < records.size() && first < 0; i++) {
                if (s.partitionOf(records.get(i)[0]) == p) {
                    first = i;
                }
            }
            assertThat(s.closingIndex(e, 2)).isEqualTo(3L * s.recordsPerRound() + first);
            // its event time has passed the end of window 2 plus the grace, and the record before it in the partition has not
            assertThat(s.eventTime(3)).isGreaterThanOrEqualTo(600_000 + 3 * 60_000 + 10_000);
            assertThat(s.eventTime(2)).isLessThan(600_000 + 3 * 60_000 + 10_000);
        }
        assertThat(s.closingDelayRounds()).isZero();
    }

    @Test
    void countsTheWindowsAPrefixOfTheRecordsCloses() {
        Schedule s = new Schedule(40, 1, 0.0, MINUTE, Duration.ofSeconds(5), 0, 4);
        // brute force over every prefix of three rounds
        for (long sent = 0; sent <= 3L * s.recordsPerRound(); sent++) {
            long expected = 0;
            for (int e = 0; e < s.entities(); e++) {
                for (long round = 0; round < 3; round++) {
                    if (s.closingIndex(e, round) < sent) {
                        expected++;
                    }
                }
            }
            assertThat(s.windowsClosedBy(sent)).as("sent %d", sent).isEqualTo(expected);
        }
        assertThat(s.windowsClosedBy(s.recordsPerRound())).isZero();
        assertThat(s.windowsClosedBy(2L * s.recordsPerRound())).isEqualTo(40);
    }

    @Test
    void aGraceLongerThanHalfAWindowDelaysTheClosingRound() {
        Schedule s = new Schedule(10, 1, 0.0, MINUTE, Duration.ofSeconds(45), 0, 2);
        assertThat(s.closingDelayRounds()).isEqualTo(1);
        assertThat(s.eventTime(2)).isGreaterThanOrEqualTo(60_000 + 45_000); // round 2 closes window 0
    }

    /**
     * Text events travel on their own topic and reach ingest apart from the readings; the closing
     * record must not follow them closely. With the default grace, every text event of a round is
     * sent more than a round before the record that closes its window; with a grace under half a
     * window (the old default) some are sent right before it.
     */
    @Test
    void withTheDefaultGraceTextEventsAreSentARoundBeforeTheRecordThatClosesTheirWindow() {
        Schedule s = harnessSchedule("--entities", "120");
        assertThat(s.textPerRound()).isPositive();
        assertThat(s.closingDelayRounds()).isEqualTo(1);
        assertThat(smallestTextMargin(s)).isGreaterThan(s.recordsPerRound());

        Schedule halfWindow = harnessSchedule("--entities", "120", "--grace", "PT10S");
        assertThat(smallestTextMargin(halfWindow)).isLessThan(halfWindow.recordsPerRound() / 10);
    }

    /** The schedule the harness runs for these command-line options. */
    static Schedule harnessSchedule(String... args) {
        return new LoadTest(LoadTestCommand.config(dev.streamcast.contracts.cli.Options.parse(args, LoadTestCommand.OPTIONS, "load-test")),
                System.out).schedule();
    }

    /** The fewest records between a text event and the record that closes its window, over round 5. */
    static long smallestTextMargin(Schedule s) {
        long smallest = Long.MAX_VALUE;
        long round = 5;
        long index = round * s.recordsPerRound();
        for (int[] record : round(s)) {
            if (record[1] == 1) {
                assertThat(s.round(index)).isEqualTo(round);
                smallest = Math.min(smallest, s.closingIndex(record[0], round) - index);
            }
            index++;
        }
        return smallest;
    }

    @Test
    void partitionsAsKafkasDefaultPartitionerAndKeysRoundTrip() {
        assertThat(Schedule.partitionFor("e0", 4)).isBetween(0, 3);
        assertThat(Schedule.entityIndex("e123456".getBytes())).isEqualTo(123456);
        assertThat(Schedule.entityIndex("x1".getBytes())).isEqualTo(-1);
        assertThat(Schedule.entityIndex("e1a".getBytes())).isEqualTo(-1);
        assertThatThrownBy(() -> new Schedule(10, 1, 0.95, MINUTE, Duration.ZERO, 0, 4))
                .hasMessageContaining("text share must be between 0 and 0.9");
        assertThatThrownBy(() -> new Schedule(10, 1, 0.1, MINUTE, Duration.ZERO, 1, 4))
                .hasMessageContaining("aligned");
    }
}
