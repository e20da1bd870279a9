package dev.streamcast.trainer.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvSeriesTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws Exception {
        Path file = dir.resolve("series.csv");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsTheEttLayout() throws Exception {
        SeriesTable table = CsvSeries.read(csv("""
                date,HUFL,OT
                2016-07-01 00:00:00,5.827,30.531
                2016-07-01 01:00:00,5.693,27.787
                2016-07-01T02:00:00Z,5.157,27.787
                """));
        assertThat(table.columns()).containsExactly("HUFL", "OT");
        assertThat(table.rows()).isEqualTo(3);
        assertThat(table.timestamps()).containsExactly(1_467_331_200_000L, 1_467_334_800_000L, 1_467_338_400_000L);
        assertThat(table.values()[1]).containsExactly(5.693, 27.787);
        assertThat(table.stepMillis()).isEqualTo(3_600_000L);
    }

    @Test
    void aNonNumericCellIsNamedByFileLineAndColumn() throws Exception {
        Path file = csv("date,HUFL,OT\n2016-07-01 00:00:00,5.8,30.5\n2016-07-01 01:00:00,n/a,27.7\n");
        assertThatThrownBy(() -> CsvSeries.read(file)).isInstanceOf(CsvFormatException.class)
                .hasMessage(file + " line 3, column 'HUFL' (2): 'n/a' is not a number");
    }

    @Test
    void badDatesRaggedRowsAndEmptyFilesAreNamed() throws Exception {
        Path badDate = csv("date,OT\nyesterday,1\n");
        assertThatThrownBy(() -> CsvSeries.read(badDate)).hasMessageContaining("line 2, column 'date' (1): 'yesterday' is not a date");
        Path ragged = csv("date,HUFL,OT\n2016-07-01 00:00:00,1\n");
        assertThatThrownBy(() -> CsvSeries.read(ragged)).hasMessageContaining("line 2: 2 cells, the header has 3");
        Path empty = csv("");
        assertThatThrownBy(() -> CsvSeries.read(empty)).hasMessageContaining("line 1: empty file");
        Path backwards = csv("date,OT\n2016-07-01 01:00:00,1\n2016-07-01 00:00:00,2\n");
        assertThatThrownBy(() -> CsvSeries.read(backwards)).hasMessageContaining("line 3").hasMessageContaining("not after the previous row");
        Path infinite = csv("date,OT\n2016-07-01 01:00:00,Infinity\n");
        assertThatThrownBy(() -> CsvSeries.read(infinite)).hasMessageContaining("line 2, column 'OT' (2): 'Infinity' is not a finite number");
    }

    @Test
    void aMissingTargetColumnAndTooFewRowsAreNamed() throws Exception {
        StringBuilder text = new StringBuilder("date,HUFL\n");
        for (int i = 0; i < 50; i++) {
            text.append(String.format("2016-07-01 %02d:%02d:00,%d%n", i / 60, i % 60, i));
        }
        Path file = csv(text.toString());
        SeriesTable table = CsvSeries.read(file);
        assertThatThrownBy(() -> Dataset.of(table, Mode.S, "OT", 8, 4))
                .hasMessage(file + ": no column 'OT' (columns: [HUFL])");
        assertThatThrownBy(() -> Dataset.of(table, Mode.S, "HUFL", 24, 12))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining(file + ": 50 rows are too few for look-back 24 plus horizon 12");
    }
}
