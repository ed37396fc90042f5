using System.Globalization;
using System.Numerics;
using Portal.Domain;

namespace Portal.Tests.Domain;

public sealed class StakeTests
{
    private static readonly string ThirtyEightNines = new('9', 38);

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("000123", "123")]
    [InlineData("00", "0")]
    [InlineData("1000000000000000000", "1000000000000000000")]
    [InlineData("99999999999999999999999999999999999999", "99999999999999999999999999999999999999")]
    [InlineData("00099999999999999999999999999999999999999", "99999999999999999999999999999999999999")]
    [InlineData("10000000000000000000000000000000000000", "10000000000000000000000000000000000000")]
    public void TryParseAcceptsPlainDigitsAndPrintsCanonically(string text, string canonical)
    {
        Assert.True(Stake.TryParse(text, out var stake, out var error));
        Assert.Null(error);
        Assert.Equal(canonical, stake.ToString());
        Assert.Equal(UInt128.Parse(canonical, CultureInfo.InvariantCulture), stake.Value);
    }

    [Fact]
    public void ThirtyEightNinesIsTheMaximum()
    {
        var stake = Stake.Parse(ThirtyEightNines);

        Assert.Equal(Stake.MaxValue, stake.Value);
        Assert.Equal(ThirtyEightNines, stake.ToString());
        Assert.Equal(38, Stake.MaxDigits);
        Assert.Equal(BigInteger.Pow(10, 38) - 1, (BigInteger)Stake.MaxValue);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    [InlineData("-1", "cannot be negative")]
    [InlineData("+1", "without a sign")]
    [InlineData("1.5", "without a decimal point")]
    [InlineData("1e18", "without an exponent")]
    [InlineData("1E18", "without an exponent")]
    [InlineData("1,000", "without a decimal point or separators")]
    [InlineData(" 1", "only the digits 0-9; found ' '")]
    [InlineData("1 ", "only the digits 0-9; found ' '")]
    [InlineData("1_000", "only the digits 0-9; found '_'")]
    [InlineData("0x10", "only the digits 0-9; found 'x'")]
    [InlineData("١٢٣", "only the digits 0-9; found '١'")]
    [InlineData("１２３", "only the digits 0-9; found '１'")]
    [InlineData("100000000000000000000000000000000000000", "at most 38 digits")]
    [InlineData("999999999999999999999999999999999999999", "at most 38 digits")]
    [InlineData("0999999999999999999999999999999999999999", "at most 38 digits")]
    public void TryParseRejectsWithAClearError(string? text, string expectedFragment)
    {
        Assert.False(Stake.TryParse(text, out var stake, out var error));
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
        Assert.Equal(Stake.Zero, stake);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("-5", "cannot be negative")]
    [InlineData("1e3", "without an exponent")]
    [InlineData("100000000000000000000000000000000000000", "at most 38 digits")]
    public void ParseThrowsDomainExceptionWithTheSameMessage(string text, string expectedFragment)
    {
        var ex = Assert.Throws<DomainException>(() => Stake.Parse(text));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> LargeValues => new()
    {
        "18446744073709551615", // 2^64 - 1
        "18446744073709551616", // 2^64
        "79228162514264337593543950336", // 2^96
        "1000000000000000000000000000", // 10^27
        "123456789012345678901234567890123456",
        "10000000000000000000000000000000000000", // 10^37
        "99999999999999999999999999999999999998",
        "99999999999999999999999999999999999999",
    };

    [Theory]
    [MemberData(nameof(LargeValues))]
    public void LargeValuesRoundTripExactly(string text)
    {
        var parsed = Stake.Parse(text);

        Assert.Equal(text, parsed.ToString());
        Assert.Equal(BigInteger.Parse(text, CultureInfo.InvariantCulture), (BigInteger)parsed.Value);
        Assert.Equal(parsed, Stake.FromUnits(parsed.Value));
        Assert.Equal(parsed, Stake.Parse(parsed.ToString()));
    }

    [Fact]
    public void FromUnitsAcceptsUpToMaxValueAndRejectsAbove()
    {
        Assert.Equal(ThirtyEightNines, Stake.FromUnits(Stake.MaxValue).ToString());
        Assert.Equal("0", Stake.FromUnits(UInt128.Zero).ToString());

        var ex = Assert.Throws<DomainException>(() => Stake.FromUnits(Stake.MaxValue + 1));
        Assert.Contains("at most 38 digits", ex.Message, StringComparison.Ordinal);
        Assert.Throws<DomainException>(() => Stake.FromUnits(UInt128.MaxValue));
    }

    [Fact]
    public void DefaultIsZero()
    {
        Assert.Equal("0", default(Stake).ToString());
        Assert.Equal(Stake.Zero, Stake.Parse("000"));
    }

    [Fact]
    public void ComparisonIsNumericNotTextual()
    {
        var nine = Stake.Parse("9");
        var ten = Stake.Parse("10");
        var huge = Stake.Parse(ThirtyEightNines);

        Assert.True(nine < ten);
        Assert.True(ten > nine);
        Assert.True(ten <= Stake.Parse("010"));
        Assert.True(huge >= ten);
        Assert.Equal(-1, nine.CompareTo(ten));
        Assert.Equal(0, ten.CompareTo(Stake.Parse("0010")));
        Assert.Equal(Stake.Parse("0010"), ten);
    }
}
