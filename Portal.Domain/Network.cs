namespace Portal.Domain;

/// <summary>A chain whose halts the portal coordinates, and its rule for resuming.</summary>
public sealed class Network
{
    private Network()
    {
        Name = ChainId = string.Empty;
        Quorum = QuorumRule.TwoThirdsOfStake;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; }
    public string ChainId { get; private set; }
    public QuorumRule Quorum { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The display unit's decimals (see <see cref="Unit"/>); 0 shows base units as they are.</summary>
    public int Decimals { get; private set; }

    /// <summary>The display unit's symbol, like "CMT"; empty for none.</summary>
    public string Symbol { get; private set; } = string.Empty;

    /// <summary>How this network's stake reads to people.</summary>
    public DisplayUnit Unit => DisplayUnit.Create(Decimals, Symbol);

    public void ChangeUnit(DisplayUnit unit) => (Decimals, Symbol) = (unit.Decimals, unit.Symbol);

    /// <summary>Open incidents' quorum is computed from the network's rule on each read, so a change applies to them at once.</summary>
    public void ChangeQuorum(QuorumRule quorum)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        Quorum = quorum;
    }

    public static Network Create(string name, string chainId, QuorumRule quorum, DateTimeOffset at, DisplayUnit unit = default)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        return new Network
        {
            Id = Guid.CreateVersion7(at),
            Name = Text.Required(name, "name", Limits.NetworkNameMax, "name"),
            ChainId = Text.Required(chainId, "chain id", Limits.ChainIdMax, "chainId"),
            Quorum = quorum,
            CreatedAt = at,
            Decimals = unit.Decimals,
            Symbol = unit.Symbol,
        };
    }
}
