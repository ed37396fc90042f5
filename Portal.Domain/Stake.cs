using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Portal.Domain;

/// <summary>
/// An amount of stake in the chain's base units: an exact non-negative integer of at most
/// <see cref="MaxDigits"/> decimal digits. Chains count in base units (1e18 per token is common),
/// so it is parsed from and printed as a decimal string and never passes through floating point.
/// </summary>
public readonly record struct Stake : IComparable<Stake>
{
    /// <summary>The most decimal digits a stake may have; matches the <c>numeric(38,0)</c> columns.</summary>
    public const int MaxDigits = 38;

    /// <summary>10^38 - 1, the largest stake; it fits in <see cref="UInt128"/> (max ≈ 3.4 × 10^38).</summary>
    public static readonly UInt128 MaxValue = UInt128.Parse(new string('9', MaxDigits), CultureInfo.InvariantCulture);

    public static readonly Stake Zero;

    private Stake(UInt128 value) => Value = value;

    public UInt128 Value { get; }

    public static Stake FromUnits(UInt128 value) =>
        value <= MaxValue ? new Stake(value) : throw new DomainException($"Stake must have at most {MaxDigits} digits.");

    /// <summary>Parses a plain decimal string: digits only, no sign, no decimal point, no exponent, no separators.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Stake stake, [NotNullWhen(false)] out string? error)
    {
        stake = Zero;
        if (string.IsNullOrEmpty(text))
        {
            error = "Stake is required: a decimal string of a non-negative integer, like \"1000000\".";
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                error = c switch
                {
                    '-' => "Stake cannot be negative.",
                    '+' => "Stake must be digits only, without a sign.",
                    '.' or ',' => "Stake must be a whole number of base units, without a decimal point or separators.",
                    'e' or 'E' => "Stake must be written out in full digits, without an exponent.",
                    _ => $"Stake must contain only the digits 0-9; found '{c}'.",
                };
                return false;
            }
        }

        var significant = text.TrimStart('0');
        if (significant.Length > MaxDigits)
        {
            error = $"Stake must have at most {MaxDigits} digits.";
            return false;
        }

        stake = new Stake(significant.Length == 0 ? UInt128.Zero : UInt128.Parse(significant, NumberStyles.None, CultureInfo.InvariantCulture));
        error = null;
        return true;
    }

    public static Stake Parse(string text) =>
        TryParse(text, out var stake, out var error) ? stake : throw new DomainException(error);

    /// <summary>The canonical decimal string, without leading zeros.</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    public int CompareTo(Stake other) => Value.CompareTo(other.Value);

    public static bool operator <(Stake left, Stake right) => left.Value < right.Value;
    public static bool operator >(Stake left, Stake right) => left.Value > right.Value;
    public static bool operator <=(Stake left, Stake right) => left.Value <= right.Value;
    public static bool operator >=(Stake left, Stake right) => left.Value >= right.Value;
}
