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

    public static Network Create(string name, string chainId, QuorumRule quorum, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        return new Network
        {
            Id = Guid.CreateVersion7(at),
            Name = Text.Required(name, "name", Limits.NetworkNameMax, "name"),
            ChainId = Text.Required(chainId, "chain id", Limits.ChainIdMax, "chainId"),
            Quorum = quorum,
            CreatedAt = at,
        };
    }
}
