namespace Portal.Domain;

/// <summary>
/// A halt of one network at a height, and everything needed to coordinate its restart. It owns the
/// validator-set snapshot: stake is frozen at <see cref="SetHeight"/> when the set is imported and never read
/// live (the Concordium stall came from tallying with stake from the wrong epoch). <see cref="Revision"/>
/// grows on every change so watchers can tell which picture is newer.
/// </summary>
public sealed class Incident
{
    private readonly List<IncidentValidator> _validators = [];

    private Incident() => Title = string.Empty;

    public Guid Id { get; private set; }
    public Guid NetworkId { get; private set; }
    public string Title { get; private set; }
    public long HaltHeight { get; private set; }
    public string? Summary { get; private set; }
    public IncidentStatus Status { get; private set; }
    public long Revision { get; private set; }
    public long? SetHeight { get; private set; }
    public DateTimeOffset DeclaredAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public IReadOnlyList<IncidentValidator> Validators => _validators;

    public static Incident Declare(Network network, string title, BlockHeight haltHeight, string? summary, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new Incident
        {
            Id = Guid.CreateVersion7(at),
            NetworkId = network.Id,
            Title = Text.Required(title, "title", Limits.IncidentTitleMax),
            HaltHeight = haltHeight.Value,
            Summary = Text.Optional(summary, "summary", Limits.SummaryMax),
            Status = IncidentStatus.Investigating,
            Revision = 1,
            DeclaredAt = at,
            UpdatedAt = at,
        };
    }

    /// <summary>
    /// Freezes the validator set at <paramref name="height"/>. Validators still present keep their state;
    /// new ones start pending; those gone are dropped.
    /// </summary>
    public void ImportValidatorSet(BlockHeight height, IReadOnlyCollection<ValidatorStake> members, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(members);
        var duplicate = members.GroupBy(m => m.ValidatorId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DomainException("A validator appears more than once in the set.");
        }

        var incoming = members.ToDictionary(m => m.ValidatorId);
        _validators.RemoveAll(v => !incoming.ContainsKey(v.ValidatorId));
        foreach (var member in members)
        {
            var existing = _validators.Find(v => v.ValidatorId == member.ValidatorId);
            if (existing is null)
            {
                _validators.Add(new IncidentValidator(Id, member.ValidatorId, member.Stake, at));
            }
            else
            {
                existing.Restake(member.Stake);
            }
        }

        SetHeight = height.Value;
        Touch(at);
    }

    public QuorumEvaluation EvaluateQuorum(QuorumRule rule, IReadOnlyDictionary<Guid, string> keysByValidatorId)
    {
        ArgumentNullException.ThrowIfNull(keysByValidatorId);
        return Quorum.Evaluate(rule, [.. _validators.Select(v => new QuorumVoter(keysByValidatorId[v.ValidatorId], v.Stake, v.State))]);
    }

    private void Touch(DateTimeOffset at)
    {
        Revision++;
        UpdatedAt = at;
    }
}

/// <summary>One member of an imported validator set: who, and the stake frozen for this incident.</summary>
public readonly record struct ValidatorStake(Guid ValidatorId, Stake Stake);

/// <summary>A validator's frozen stake and its current state within one incident.</summary>
public sealed class IncidentValidator
{
    private IncidentValidator()
    {
    }

    internal IncidentValidator(Guid incidentId, Guid validatorId, Stake stake, DateTimeOffset at)
    {
        IncidentId = incidentId;
        ValidatorId = validatorId;
        Stake = stake;
        State = ValidatorState.Pending;
        UpdatedAt = at;
    }

    public Guid IncidentId { get; private set; }
    public Guid ValidatorId { get; private set; }
    public Stake Stake { get; private set; }
    public ValidatorState State { get; private set; }
    public string? Version { get; private set; }
    public string? Note { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string? UpdatedBy { get; private set; }

    internal void Restake(Stake stake) => Stake = stake;
}
