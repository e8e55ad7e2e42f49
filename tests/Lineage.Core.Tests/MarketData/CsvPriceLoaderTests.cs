using Lineage.Core.MarketData;

namespace Lineage.Core.Tests.MarketData;

public class CsvPriceLoaderTests
{
    private static PriceSeries Parse(string text, int minRows = 1) =>
        CsvPriceLoader.Parse(new StringReader(text), "prices.csv", minRows);

    private static PriceDataException ParseFails(string text, int minRows = 1) =>
        Assert.Throws<PriceDataException>(() => Parse(text, minRows));

    [Fact]
    public void Parses_ohlcv_rows_into_open_and_close()
    {
        var s = Parse("Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10.5,12,10,11.25,200\n");

        Assert.Equal(2, s.Count);
        Assert.Equal([10.0, 10.5], s.Open!);
        Assert.Equal([10.5, 11.25], s.Close);
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 0, 0, 0, TimeSpan.Zero), s.Times[0]);
    }

    [Fact]
    public void Close_only_file_has_null_open()
    {
        var s = Parse("Date,Close\n2020-01-02,10\n2020-01-03,11\n");

        Assert.Null(s.Open);
        Assert.Null(s.Volume);
        Assert.Equal([10.0, 11.0], s.Close);
    }

    [Fact]
    public void A_volume_column_is_kept_and_survives_a_slice()
    {
        var s = Parse("Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10.5,12,10,11.25,0\n2020-01-06,11,12,10,11.5,250.5\n");

        Assert.Equal([100.0, 0, 250.5], s.Volume!);
        Assert.Equal([0, 250.5], s.Slice(1, 2).Volume!);
    }

    [Fact]
    public void Header_names_are_case_insensitive_and_columns_found_by_name()
    {
        var s = Parse("close,VOLUME,dAtE,Open\n10,5,2020-01-02,9\n11,5,2020-01-03,10\n");

        Assert.Equal([10.0, 11.0], s.Close);
        Assert.Equal([9.0, 10.0], s.Open!);
        Assert.Equal(2020, s.Times[1].Year);
    }

    [Fact]
    public void Iso_timestamps_with_offset_are_converted_to_utc()
    {
        var s = Parse("Date,Close\n2017-01-01T22:00:00+01:00,1.05\n2017-01-01T23:00:00Z,1.06\n");

        Assert.Equal(new DateTimeOffset(2017, 1, 1, 21, 0, 0, TimeSpan.Zero), s.Times[0]);
        Assert.Equal(TimeSpan.Zero, s.Times[0].Offset);
    }

    [Fact]
    public void Unix_seconds_and_milliseconds_are_accepted()
    {
        var seconds = Parse("Date,Close\n1577923200,10\n1578009600,11\n");
        var millis = Parse("Date,Close\n1577923200000,10\n1578009600000,11\n");

        Assert.Equal(new DateTimeOffset(2020, 1, 2, 0, 0, 0, TimeSpan.Zero), seconds.Times[0]);
        Assert.Equal(seconds.Times, millis.Times);
    }

    [Fact]
    public void Numbers_parse_with_decimal_point_and_exponent()
    {
        var s = Parse("Date,Close\n2020-01-02,1.5e2\n2020-01-03,0.25\n");

        Assert.Equal([150.0, 0.25], s.Close);
    }

    [Theory]
    [InlineData("", 0, null, "empty")]
    [InlineData("\n", 1, null, "empty")]
    [InlineData("Date,Open\n2020-01-02,10\n", 1, "Close", "no Close column")]
    [InlineData("Open,Close\n10,10\n", 1, "Date", "no Date column")]
    [InlineData("Date,Close\n2020-01-02,10\n2020-01-03,abc\n", 3, "Close", "unparsable number")]
    [InlineData("Date,Close\n2020-01-02,NaN\n", 2, "Close", "not finite")]
    [InlineData("Date,Close\n2020-01-02,Infinity\n", 2, "Close", "not finite")]
    [InlineData("Date,Close\n2020-01-02,0\n", 2, "Close", "must be positive")]
    [InlineData("Date,Close\n2020-01-02,-3\n", 2, "Close", "must be positive")]
    [InlineData("Date,Open,Close\n2020-01-02,-1,5\n", 2, "Open", "must be positive")]
    [InlineData("Date,Close\n2020-01-02,10\n2020-01-02,11\n", 3, "Date", "duplicate date")]
    [InlineData("Date,Close\n2020-01-03,10\n2020-01-02,11\n", 3, "Date", "before the previous row")]
    [InlineData("Date,Close\n2020-13-45,10\n", 2, "Date", "unparsable date")]
    [InlineData("Date,Close\n2020-01-02,10,7\n", 2, null, "3 fields")]
    [InlineData("Date,Close\n2020-01-02,10\n\n2020-01-03,11\n", 3, null, "blank line")]
    [InlineData("Date,Close,Volume\n2020-01-02,10,-5\n", 2, "Volume", "negative")]
    public void Bad_input_names_line_column_and_problem(string text, int line, string? column, string problem)
    {
        var e = ParseFails(text);

        Assert.Equal("prices.csv", e.SourceName);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains("prices.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        if (column is not null)
        {
            Assert.Contains($"column '{column}'", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Bad_value_is_quoted_in_the_message()
    {
        var e = ParseFails("Date,Close\n2020-01-02,12x\n");

        Assert.Equal("12x", e.Value);
        Assert.Contains("'12x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_rows_than_minimum_fails_with_counts()
    {
        var e = ParseFails("Date,Close\n2020-01-02,10\n2020-01-03,11\n", minRows: 3);

        Assert.Contains("2 data rows", e.Message, StringComparison.Ordinal);
        Assert.Contains("at least 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_blank_lines_are_not_rows()
    {
        var s = Parse("Date,Close\n2020-01-02,10\n2020-01-03,11\n\n\n");

        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void Load_reads_a_file_and_names_the_series_after_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lineage-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "Date,Close\n2020-01-02,10\n2020-01-03,11\n");
        try
        {
            var s = CsvPriceLoader.Load(path, minRows: 2);

            Assert.Equal(Path.GetFileNameWithoutExtension(path), s.Name);
            Assert.Equal(2, s.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_of_a_missing_file_names_the_path()
    {
        var e = Assert.Throws<PriceDataException>(() => CsvPriceLoader.Load("/no/such/prices.csv", 1));

        Assert.Contains("/no/such/prices.csv", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"runId\":\"s3cr3t-run\",\"dataset\":\"spy\"}\n")]
    [InlineData("password=s3cr3t\n")]
    [InlineData("Open,Close,s3cr3t\n10,10,1\n")]
    public void Header_errors_name_the_expected_header_and_never_quote_the_line(string text)
    {
        var e = ParseFails(text);

        Assert.Equal(1, e.Line);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
        Assert.Null(e.Value);
        Assert.Contains("Date", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_the_wrong_field_count_is_not_quoted()
    {
        var e = ParseFails("Date,Close\n2020-01-02,10\n{\"key\":\"s3cr3t\",\"a\":1,\"b\":2}\n");

        Assert.Equal(3, e.Line);
        Assert.Contains("3 fields, header has 2", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_line_is_not_quoted_even_when_its_field_count_matches()
    {
        var e = ParseFails("Date,Close\n{\"key\":\"s3cr3t\",\"b\":2}\n");

        Assert.Equal(2, e.Line);
        Assert.Equal("Date", e.Column);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_cell_is_not_quoted()
    {
        var cell = "s3cr3t" + new string('x', 40);
        var e = ParseFails($"Date,Close\n2020-01-02,{cell}\n");

        Assert.Equal("Close", e.Column);
        Assert.Contains("unparsable number", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
        Assert.Contains("46 characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_rows_than_the_maximum_are_refused_naming_the_limit()
    {
        var text = new System.Text.StringBuilder("Date,Close\n", 32 * 1024 * 1024);
        for (var i = 0; i <= 2_000_000; i++)
        {
            text.Append(1_000_000_000L + (i * 60L)).Append(",10\n");
        }

        var e = ParseFails(text.ToString());

        Assert.Contains("2000000 data rows", e.Message, StringComparison.Ordinal);
        Assert.Equal(2_000_002, e.Line);
    }

    [Fact]
    public void Load_refuses_a_file_above_the_byte_limit_before_reading_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lineage-{Guid.NewGuid():N}.csv");
        using (var file = File.Create(path))
        {
            file.SetLength((64L * 1024 * 1024) + 1);
        }

        try
        {
            var e = Assert.Throws<PriceDataException>(() => CsvPriceLoader.Load(path, 1));

            Assert.Contains("67108865 bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains("67108864", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
