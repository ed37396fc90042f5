namespace Portal.Data.Chain;

/// <summary>The chain families the portal can read.</summary>
public enum ChainFamily
{
    CometBft,
    Solana,
}

/// <summary>
/// Where a network's nodes answer and how often the portal asks, with the last reading. Written only by the chain
/// feature; not part of the incident aggregate, because a reading is an observation, not a decision.
/// </summary>
public sealed class NetworkChain
{
    public const int ErrorMax = 500;

    public Guid NetworkId { get; set; }
    public ChainFamily Family { get; set; }
    public List<string> RpcUrls { get; set; } = [];
    public int PollSeconds { get; set; }
    public bool AutoResume { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public long? LatestHeight { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public string? NodeVersion { get; set; }
    public bool? CatchingUp { get; set; }
    public DateTimeOffset? UnreachableSince { get; set; }
    public string? LastError { get; set; }
    public string? Anomaly { get; set; }
}

/// <summary>What the chain showed about one incident: when it resumed (noted once) and when votes were last read.</summary>
public sealed class IncidentChain
{
    public Guid IncidentId { get; set; }
    public long? ResumedHeight { get; set; }
    public DateTimeOffset? ResumedSeenAt { get; set; }
    public long? VoteHeight { get; set; }
    public DateTimeOffset? VotesReadAt { get; set; }
}

/// <summary>One validator of an incident as the chain shows it: seen voting at the stuck height, and its node's version.</summary>
public sealed class ValidatorChainMark
{
    public Guid IncidentId { get; set; }
    public Guid ValidatorId { get; set; }
    public DateTimeOffset? SeenVotingAt { get; set; }
    public long? SeenHeight { get; set; }
    public DateTimeOffset? LastSeenAt { get; set; }
    public string? NodeVersion { get; set; }
    public DateTimeOffset? VersionReadAt { get; set; }
    public string? VersionError { get; set; }
}
