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
            Title = Text.Required(title, "title", Limits.IncidentTitleMax, "title"),
            HaltHeight = haltHeight.Value,
            Summary = Text.Optional(summary, "summary", Limits.SummaryMax, "summary", multiLine: true),
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

    /// <summary>Quorum over the frozen set; voters are keyed by validator id (the caller maps ids to keys and names).</summary>
    public QuorumEvaluation EvaluateQuorum(QuorumRule rule) =>
        Quorum.Evaluate(rule, [.. _validators.Select(v => new QuorumVoter(v.ValidatorId.ToString("N"), v.Stake, v.State))]);

    /// <summary>
    /// Records a validator's report. Returns null when it repeats the current state with the same version and
    /// note (a no-op: no revision, no timeline entry). Throws <see cref="IllegalTransitionException"/> for a move
    /// the transition table forbids, and <see cref="DomainException"/> for a report the incident cannot take.
    /// </summary>
    public StatusReport? Report(Guid validatorId, ValidatorState state, string? version, string? note, string by, bool onBehalf, DateTimeOffset at)
    {
        if (Status == IncidentStatus.Closed)
        {
            throw new IllegalTransitionException("The incident is closed; it takes no more reports.");
        }

        var validator = _validators.Find(v => v.ValidatorId == validatorId)
            ?? throw new DomainException("That validator is not in this incident's validator set.");
        var cleanVersion = Text.Optional(version, "version", Limits.VersionMax, "version");
        var cleanNote = Text.Optional(note, "note", Limits.NoteMax, "note", multiLine: true);
        if (state == ValidatorState.Blocked && cleanNote is null)
        {
            throw new DomainException("Say why the validator is blocked: a note is required with 'blocked'.", "note");
        }

        // The table first: repeating a state is allowed for every state but pending, which nobody reports.
        var previous = validator.State;
        ValidatorTransitions.EnsureAllowed(previous, state);
        if (validator.State == state && validator.Version == cleanVersion && validator.Note == cleanNote)
        {
            return null;
        }

        validator.Apply(state, cleanVersion, cleanNote, by, at);
        Touch(at);
        return new StatusReport(validatorId, previous, state, cleanVersion, cleanNote, by, onBehalf, at);
    }

    /// <summary>
    /// Keeps the status in step with quorum: entering <see cref="IncidentStatus.QuorumReached"/> when ready
    /// weight reaches the rule, and falling back to <see cref="IncidentStatus.Coordinating"/> if a validator
    /// drops out. Returns the change, if any, for the timeline.
    /// </summary>
    public (IncidentStatus From, IncidentStatus To)? SyncWithQuorum(QuorumEvaluation quorum, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        var from = Status;
        if (quorum.Reached && Status is IncidentStatus.Investigating or IncidentStatus.Fixing or IncidentStatus.Coordinating)
        {
            Status = IncidentStatus.QuorumReached;
        }
        else if (!quorum.Reached && Status == IncidentStatus.QuorumReached)
        {
            Status = IncidentStatus.Coordinating;
        }

        if (from == Status)
        {
            return null;
        }

        Touch(at);
        return (from, Status);
    }

    /// <summary>A commander moves the incident along. Quorum itself decides <see cref="IncidentStatus.QuorumReached"/>.</summary>
    public void MoveTo(IncidentStatus next, DateTimeOffset at)
    {
        var allowed = (Status, next) switch
        {
            (IncidentStatus.Closed, _) => false,
            (_, IncidentStatus.QuorumReached) => false,
            (_, IncidentStatus.Closed) => true,
            (IncidentStatus.QuorumReached, IncidentStatus.Resumed) => true,
            (IncidentStatus.Coordinating, IncidentStatus.Resumed) => true,
            (var from, var to) when to is IncidentStatus.Fixing or IncidentStatus.Coordinating => to > from && from < IncidentStatus.QuorumReached,
            _ => false,
        };
        if (!allowed)
        {
            throw new IllegalTransitionException(next == IncidentStatus.QuorumReached
                ? "Quorum reached is set by the portal when enough stake is ready, not by hand."
                : $"An incident that is {Describe(Status)} cannot move to {Describe(next)}.");
        }

        Status = next;
        Touch(at);
    }

    /// <summary>
    /// Publishes <paramref name="release"/>. Running an older fix no longer counts, so every validator past
    /// acknowledged returns to pending. Returns the validators reset.
    /// </summary>
    public IReadOnlyList<Guid> Publish(Release release, bool supersedes, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (release.IncidentId != Id)
        {
            throw new DomainException("The release belongs to another incident.");
        }

        release.Publish(at);
        var reset = new List<Guid>();
        if (supersedes)
        {
            foreach (var validator in _validators.Where(v => ValidatorTransitions.ResetForNewRelease(v.State)))
            {
                validator.ResetToPending(at);
                reset.Add(validator.ValidatorId);
            }
        }

        Touch(at);
        return reset;
    }

    public void Withdraw(Release release, string reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(release);
        release.Withdraw(reason, at);
        Touch(at);
    }

    /// <summary>Any other recorded change to the incident (a draft edited, a summary changed) bumps the revision.</summary>
    public void Changed(DateTimeOffset at) => Touch(at);

    public static string Describe(IncidentStatus status) => status switch
    {
        IncidentStatus.QuorumReached => "quorum reached",
        _ => status.ToString().ToLowerInvariant(),
    };

    private void Touch(DateTimeOffset at)
    {
        Revision++;
        UpdatedAt = at;
    }
}

/// <summary>What a report changed, for the timeline and the API's answer.</summary>
public sealed record StatusReport(
    Guid ValidatorId, ValidatorState From, ValidatorState To, string? Version, string? Note, string By, bool OnBehalf, DateTimeOffset At);

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

    internal void Apply(ValidatorState state, string? version, string? note, string by, DateTimeOffset at)
    {
        State = state;
        Version = version;
        Note = note;
        // The column holds Limits.ValidatorNameMax characters; "<user name> (on behalf of the operator)" can be longer.
        UpdatedBy = Text.Truncate(by, Limits.ValidatorNameMax);
        UpdatedAt = at;
    }

    internal void ResetToPending(DateTimeOffset at)
    {
        State = ValidatorState.Pending;
        UpdatedBy = "portal";
        UpdatedAt = at;
    }
}
