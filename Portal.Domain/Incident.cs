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

    /// <summary>Declared for practice: shown as DRILL wherever the incident shows, never among real incidents.</summary>
    public bool IsDrill { get; private set; }
    public IReadOnlyList<IncidentValidator> Validators => _validators;

    /// <summary>How many timeline entries the portal wrote, the newest one's hash and the server's seal over both.</summary>
    public long TimelineCount { get; private set; }
    public string TimelineHead { get; private set; } = TimelineEvent.Genesis;
    public string? TimelineSeal { get; private set; }
    public TimelineAnchor Anchor => new(TimelineCount, TimelineHead, TimelineSeal);

    public static Incident Declare(Network network, string title, BlockHeight haltHeight, string? summary, DateTimeOffset at, bool drill = false)
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
            IsDrill = drill,
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
    /// <para>With <paramref name="publishedVersion"/> (the hotfix validators must run), <c>upgraded</c> and
    /// <c>ready</c> must name exactly that version: a node running anything else does not count toward quorum.</para>
    public StatusReport? Report(Guid validatorId, ValidatorState state, string? version, string? note, string by, bool onBehalf, DateTimeOffset at, string? publishedVersion = null)
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

        if (publishedVersion is not null && state is ValidatorState.Upgraded or ValidatorState.Ready && !string.Equals(cleanVersion, publishedVersion, StringComparison.Ordinal))
        {
            throw new IllegalTransitionException(cleanVersion is null
                ? $"The published hotfix is {publishedVersion}: report {ValidatorTransitions.Name(state)} with version {publishedVersion}."
                : $"The published hotfix is {publishedVersion}, not {cleanVersion}: only {publishedVersion} counts as {ValidatorTransitions.Name(state)}.");
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

    /// <summary>The statuses a commander may choose by hand, in the order of progress.</summary>
    public static IReadOnlyList<IncidentStatus> ManualStatuses { get; } =
        [IncidentStatus.Fixing, IncidentStatus.Coordinating, IncidentStatus.Resumed, IncidentStatus.Closed];

    /// <summary>The shortest reason accepted for resuming or closing before quorum is reached.</summary>
    public const int OverrideReasonMin = 10;

    /// <summary>The one table of manual moves. Quorum itself decides <see cref="IncidentStatus.QuorumReached"/>.</summary>
    public static bool CanMove(IncidentStatus from, IncidentStatus to) => (from, to) switch
    {
        (IncidentStatus.Closed, _) => false,
        (_, IncidentStatus.QuorumReached) => false,
        (_, IncidentStatus.Closed) => true,
        (IncidentStatus.QuorumReached, IncidentStatus.Resumed) => true,
        (IncidentStatus.Coordinating, IncidentStatus.Resumed) => true,
        (var f, var t) when t is IncidentStatus.Fixing or IncidentStatus.Coordinating => t > f && f < IncidentStatus.QuorumReached,
        _ => false,
    };

    /// <summary>Where a commander may move this incident now, in the order of progress (empty once closed).</summary>
    public IReadOnlyList<IncidentStatus> AllowedMoves() => [.. ManualStatuses.Where(s => CanMove(Status, s))];

    /// <summary>Resuming or closing while quorum is not reached overrides the portal's own judgement: it needs a reason.</summary>
    public static bool IsOverride(IncidentStatus next, bool quorumReached) =>
        !quorumReached && next is IncidentStatus.Resumed or IncidentStatus.Closed;

    /// <summary>
    /// A commander moves the incident along. A move to resumed or closed while <paramref name="quorumReached"/>
    /// is false needs a <paramref name="reason"/> of at least <see cref="OverrideReasonMin"/> characters.
    /// Returns the cleaned reason (null without one) and whether the move was an override.
    /// </summary>
    public (string? Reason, bool Override) MoveTo(IncidentStatus next, bool quorumReached, string? reason, DateTimeOffset at)
    {
        if (!CanMove(Status, next))
        {
            var allowed = AllowedMoves();
            throw new IllegalTransitionException(next == IncidentStatus.QuorumReached
                ? "Quorum reached is set by the portal when enough stake is ready, not by hand."
                : $"An incident that is {Describe(Status)} cannot move to {Describe(next)}; allowed: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed.Select(Describe)))}.");
        }

        var cleanReason = Text.Optional(reason, "reason", Limits.NoteMax, "reason");
        var isOverride = IsOverride(next, quorumReached);
        if (isOverride && (cleanReason is null || cleanReason.Length < OverrideReasonMin))
        {
            throw new IllegalTransitionException(
                $"Quorum is not reached: moving to {Describe(next)} now overrides it. Give a reason of at least {OverrideReasonMin} characters; it is recorded on the timeline.");
        }

        Status = next;
        Touch(at);
        return (cleanReason, isOverride);
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

    /// <summary>A commander's correction of the title or summary; false when nothing differs (nothing to record).</summary>
    public bool Edit(string title, string? summary, DateTimeOffset at)
    {
        var cleanTitle = Text.Required(title, "title", Limits.IncidentTitleMax, "title");
        var cleanSummary = Text.Optional(summary, "summary", Limits.SummaryMax, "summary", multiLine: true);
        if (cleanTitle == Title && cleanSummary == Summary)
        {
            return false;
        }

        (Title, Summary) = (cleanTitle, cleanSummary);
        Touch(at);
        return true;
    }

    /// <summary>Any other recorded change to the incident (a draft edited, a summary changed) bumps the revision.</summary>
    public void Changed(DateTimeOffset at) => Touch(at);

    /// <summary>Moves the timeline's anchor to a new head; written in the same transaction as the entries it counts.</summary>
    public void AnchorTimeline(TimelineAnchor anchor)
    {
        if (anchor.Seal is null || anchor.Count < 1)
        {
            throw new DomainException("A timeline anchor needs a seal and at least one entry.");
        }

        TimelineCount = anchor.Count;
        TimelineHead = anchor.Head;
        TimelineSeal = anchor.Seal;
    }

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
