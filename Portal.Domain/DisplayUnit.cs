using System.Globalization;
using System.Text;

namespace Portal.Domain;

/// <summary>
/// How a network's stake reads to people: base units are divided by 10^<see cref="Decimals"/> and followed by
/// <see cref="Symbol"/> (18 and "CMT": 10^24 base units read "1,000,000 CMT"). The default, 0 and "", shows
/// base units as they are. Formatting is exact: integer division of a <see cref="UInt128"/>, never floating point.
/// </summary>
public readonly record struct DisplayUnit
{
    /// <summary>A stake has at most 38 digits, so more decimals than that would only ever show zeros.</summary>
    public const int MaxDecimals = Stake.MaxDigits;

    public const int SymbolMax = 16;

    /// <summary>How many fraction digits a figure shows at most; the exact value is in its title.</summary>
    public const int FractionDigitsShown = 4;

    public static readonly DisplayUnit BaseUnits;

    private readonly string? _symbol;

    private DisplayUnit(int decimals, string symbol)
    {
        Decimals = decimals;
        _symbol = symbol;
    }

    public int Decimals { get; }

    public string Symbol => _symbol ?? string.Empty;

    public static DisplayUnit Create(int decimals, string? symbol)
    {
        if (decimals is < 0 or > MaxDecimals)
        {
            throw new DomainException($"Decimals must be between 0 and {MaxDecimals}.", "decimals");
        }

        var trimmed = symbol?.Trim() ?? string.Empty;
        if (trimmed.Length > SymbolMax)
        {
            throw new DomainException($"The symbol must be at most {SymbolMax} characters.", "symbol");
        }

        if (trimmed.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new DomainException("The symbol must be one word, without spaces or control characters.", "symbol");
        }

        return new DisplayUnit(decimals, trimmed);
    }

    /// <summary>
    /// For people: grouped digits, at most <see cref="FractionDigitsShown"/> fraction digits with trailing zeros
    /// dropped, then the symbol: "1,000,000 CMT", "0.5 CMT". A value whose fraction goes on further is cut (not
    /// rounded, so a figure never claims more than there is) and marked with a leading "≈".
    /// </summary>
    public string Format(Stake stake)
    {
        var (whole, fraction) = Split(stake);
        var shown = fraction.Length > FractionDigitsShown ? fraction[..FractionDigitsShown].TrimEnd('0') : fraction;
        var cut = shown.Length < fraction.Length;
        var text = new StringBuilder();
        if (cut)
        {
            text.Append("≈ ");
        }

        text.Append(whole.ToString("N0", CultureInfo.InvariantCulture));
        if (shown.Length > 0)
        {
            text.Append('.').Append(shown);
        }

        return WithSymbol(text.ToString());
    }

    /// <summary>Every digit, no grouping: "1000000.000000000000000001 CMT". What a figure's title shows.</summary>
    public string FormatExact(Stake stake)
    {
        var (whole, fraction) = Split(stake);
        return WithSymbol(fraction.Length == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : whole.ToString(CultureInfo.InvariantCulture) + "." + fraction);
    }

    /// <summary>
    /// A share of a total as a percentage with two decimals, cut (not rounded, so 66.666…% never reads as the
    /// 66.67% a two-thirds rule might need): "66.66%". A zero total is "0.00%".
    /// </summary>
    public static string Share(UInt128 part, UInt128 total)
    {
        if (total == UInt128.Zero)
        {
            return "0.00%";
        }

        // part ≤ 10^38 - 1, so part * 10,000 can overflow UInt128: divide in BigInteger, still exact.
        var basisPoints = (System.Numerics.BigInteger)part * 10_000 / total;
        return string.Create(CultureInfo.InvariantCulture, $"{basisPoints / 100}.{(int)(basisPoints % 100):00}%");
    }

    private string WithSymbol(string number) => Symbol.Length == 0 ? number : number + " " + Symbol;

    /// <summary>The whole part and the fraction's digits without trailing zeros ("" when the value is whole).</summary>
    private (UInt128 Whole, string Fraction) Split(Stake stake)
    {
        if (Decimals == 0)
        {
            return (stake.Value, string.Empty);
        }

        // 10^38 does not fit in UInt128 alongside every value, but 10^38 > Stake.MaxValue: the whole part is then 0.
        if (Decimals == MaxDecimals)
        {
            return (UInt128.Zero, stake.Value.ToString(CultureInfo.InvariantCulture).PadLeft(Decimals, '0').TrimEnd('0'));
        }

        var scale = UInt128.One;
        for (var i = 0; i < Decimals; i++)
        {
            scale *= 10;
        }

        var (whole, rest) = UInt128.DivRem(stake.Value, scale);
        return (whole, rest.ToString(CultureInfo.InvariantCulture).PadLeft(Decimals, '0').TrimEnd('0'));
    }
}
