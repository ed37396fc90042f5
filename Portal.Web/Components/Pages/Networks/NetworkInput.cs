using System.ComponentModel.DataAnnotations;
using Portal.Domain;
using Portal.Web.Features.Api;

namespace Portal.Web.Components.Pages.Networks;

/// <summary>The network form's fields; the rule and unit are checked again by the domain when built.</summary>
public sealed class NetworkInput
{
    [Required(ErrorMessage = "Name the network.")]
    [StringLength(Limits.NetworkNameMax)]
    [PlainText]
    public string? Name { get; set; }

    [Required(ErrorMessage = "Give the chain id, as the chain reports it.")]
    [StringLength(Limits.ChainIdMax)]
    [PlainText]
    public string? ChainId { get; set; }

    [Range(1, QuorumRule.MaxTerm, ErrorMessage = "The numerator must be at least 1.")]
    public int Numerator { get; set; } = 2;

    [Range(1, QuorumRule.MaxTerm, ErrorMessage = "The denominator must be at least 1.")]
    public int Denominator { get; set; } = 3;

    public bool Strict { get; set; } = true;

    public bool ByCount { get; set; }

    [Range(0, DisplayUnit.MaxDecimals, ErrorMessage = "Decimals must be between 0 and 38.")]
    public int Decimals { get; set; }

    [StringLength(DisplayUnit.SymbolMax, ErrorMessage = "The symbol must be at most 16 characters.")]
    [RegularExpression(@"^\S*$", ErrorMessage = "The symbol must be one word, without spaces.")]
    public string? Symbol { get; set; }

    public QuorumRule Rule() => QuorumRule.Create(Numerator, Denominator, Strict, ByCount ? QuorumWeighting.Count : QuorumWeighting.Stake);

    public DisplayUnit Unit() => DisplayUnit.Create(Decimals, Symbol);

    public static NetworkInput From(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new()
        {
            Name = network.Name,
            ChainId = network.ChainId,
            Numerator = network.Quorum.Numerator,
            Denominator = network.Quorum.Denominator,
            Strict = network.Quorum.Strict,
            ByCount = network.Quorum.Weighting == QuorumWeighting.Count,
            Decimals = network.Decimals,
            Symbol = network.Symbol,
        };
    }
}
