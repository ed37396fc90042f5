using System.Globalization;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>Stake as people read it: exact integer arithmetic, grouped digits, the network's unit.</summary>
public sealed class DisplayUnitTests
{
    private static Stake S(string digits) => Stake.Parse(digits);

    [Theory]
    [InlineData("1000000000000000000000000", 18, "CMT", "1,000,000 CMT")]
    [InlineData("10000000000000000000000000", 18, "CMT", "10,000,000 CMT")]
    [InlineData("500000000000000000", 18, "CMT", "0.5 CMT")]
    [InlineData("1234567890000000000000000", 18, "CMT", "1,234,567.89 CMT")]
    [InlineData("1000000000000000001", 18, "CMT", "≈ 1 CMT")]
    [InlineData("1234567891234567890123456", 18, "CMT", "≈ 1,234,567.8912 CMT")]
    [InlineData("123456789", 18, "CMT", "≈ 0 CMT")]
    [InlineData("0", 18, "CMT", "0 CMT")]
    [InlineData("0", 0, "", "0")]
    [InlineData("1000000", 0, "", "1,000,000")]
    [InlineData("999", 3, "ATOM", "0.999 ATOM")]
    [InlineData("1005", 3, "", "1.005")]
    [InlineData("12345", 2, "uatom", "123.45 uatom")]
    [InlineData("99999999999999999999999999999999999999", 0, "", "99,999,999,999,999,999,999,999,999,999,999,999,999")]
    [InlineData("99999999999999999999999999999999999999", 38, "X", "≈ 0.9999 X")]
    [InlineData("10000000000000000000000000000000000000", 38, "X", "0.1 X")]
    [InlineData("99999999999999999999999999999999999999", 18, "CMT", "≈ 99,999,999,999,999,999,999.9999 CMT")]
    public void Formats_with_grouping_the_unit_and_at_most_four_fraction_digits(string baseUnits, int decimals, string symbol, string expected) =>
        Assert.Equal(expected, DisplayUnit.Create(decimals, symbol).Format(S(baseUnits)));

    [Theory]
    [InlineData("1000000000000000000000001", 18, "CMT", "1000000.000000000000000001 CMT")]
    [InlineData("1000000000000000000000000", 18, "CMT", "1000000 CMT")]
    [InlineData("7", 18, "", "0.000000000000000007")]
    [InlineData("99999999999999999999999999999999999999", 38, "X", "0.99999999999999999999999999999999999999 X")]
    [InlineData("42", 0, "", "42")]
    public void The_exact_form_keeps_every_digit(string baseUnits, int decimals, string symbol, string expected) =>
        Assert.Equal(expected, DisplayUnit.Create(decimals, symbol).FormatExact(S(baseUnits)));

    [Fact]
    public void The_default_unit_shows_base_units_grouped()
    {
        Assert.Equal(0, DisplayUnit.BaseUnits.Decimals);
        Assert.Equal("", DisplayUnit.BaseUnits.Symbol);
        Assert.Equal("27,000,000,000,000,000,000,000,000", default(DisplayUnit).Format(S("27000000000000000000000000")));
    }

    [Fact]
    public void Every_value_formats_back_to_its_base_units_exactly()
    {
        // Property: removing the grouping and the point from the exact form gives back the base units.
        var random = new Random(20261121);
        for (var i = 0; i < 2_000; i++)
        {
            var digits = string.Concat(Enumerable.Range(0, random.Next(1, Stake.MaxDigits + 1)).Select(_ => (char)('0' + random.Next(10))));
            var stake = S(digits);
            var decimals = random.Next(0, DisplayUnit.MaxDecimals + 1);
            var exact = DisplayUnit.Create(decimals, "T").FormatExact(stake)[..^2];
            var point = exact.IndexOf('.', StringComparison.Ordinal);
            var fraction = point < 0 ? "" : exact[(point + 1)..];
            var whole = point < 0 ? exact : exact[..point];
            var rebuilt = UInt128.Parse(whole + fraction.PadRight(decimals, '0'), CultureInfo.InvariantCulture);
            Assert.Equal(stake.Value, rebuilt);
            Assert.True(fraction.Length <= decimals);
        }
    }

    [Theory]
    [InlineData(-1, "CMT", "decimals")]
    [InlineData(39, "CMT", "decimals")]
    [InlineData(18, "C MT", "symbol")]
    [InlineData(18, "CMT\u0007", "symbol")]
    [InlineData(18, "ABCDEFGHIJKLMNOPQ", "symbol")]
    public void Refuses_units_that_cannot_be_shown(int decimals, string symbol, string field) =>
        Assert.Equal(field, Assert.Throws<DomainException>(() => DisplayUnit.Create(decimals, symbol)).Field);

    [Theory]
    [InlineData("2", "3", "66.66%")]
    [InlineData("1", "3", "33.33%")]
    [InlineData("17", "24", "70.83%")]
    [InlineData("24", "24", "100.00%")]
    [InlineData("0", "24", "0.00%")]
    [InlineData("5", "0", "0.00%")]
    [InlineData("99999999999999999999999999999999999999", "99999999999999999999999999999999999999", "100.00%")]
    [InlineData("33333333333333333333333333333333333333", "99999999999999999999999999999999999999", "33.33%")]
    public void Shares_have_two_decimals_cut_not_rounded(string part, string total, string expected) =>
        Assert.Equal(expected, DisplayUnit.Share(S(part).Value, S(total).Value));
}
