using System.Globalization;
using Portal.Domain;

namespace Portal.Web.Features.Networks;

/// <summary>How a network's rule and unit read on the console.</summary>
public static class NetworkText
{
    public static string Rule(QuorumRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var share = string.Create(CultureInfo.InvariantCulture, $"{rule.Numerator}/{rule.Denominator}");
        return $"{(rule.Strict ? "more than" : "at least")} {share} {(rule.Weighting == QuorumWeighting.Count ? "of validators" : "of stake")}";
    }

    public static string Unit(DisplayUnit unit) =>
        unit.Decimals == 0 && unit.Symbol.Length == 0
            ? "base units"
            : string.Create(CultureInfo.InvariantCulture, $"{(unit.Symbol.Length == 0 ? "(no symbol)" : unit.Symbol)}, {unit.Decimals} decimals");
}
