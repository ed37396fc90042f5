using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Forecast;

public sealed record PostmortemNetwork(string Name, string ChainId);

public sealed record PostmortemIncident(Guid Id, string Title, string? Summary, IncidentStatus Status, long HaltHeight, PostmortemNetwork Network, string? Release)
{
    /// <summary>A practice incident (as on the incident's own document): the Markdown's title says DRILL, as every rendering of a drill does.</summary>
    public bool Drill { get; init; }
}

public sealed record PostmortemMilestones(
    DateTimeOffset DeclaredAt, DateTimeOffset? FirstReleasePublishedAt, DateTimeOffset? FirstAcknowledgedAt,
    DateTimeOffset? QuorumReachedAt, DateTimeOffset? ResumedAt, DateTimeOffset? ClosedAt);

/// <summary>Seconds between milestones; null when either end is missing.</summary>
public sealed record PostmortemDurations(
    long? DeclaredToFirstReleasePublished, long? FirstReleasePublishedToFirstAcknowledged, long? FirstAcknowledgedToQuorumReached,
    long? QuorumReachedToResumed, long? ResumedToClosed, long? DeclaredToQuorumReached, long? DeclaredToResumed, long? DeclaredToClosed);

/// <param name="SecondsToAcknowledge">From the declaration to the validator's first report.</param>
/// <param name="SecondsToReady">From the first published release to the validator's first ready.</param>
public sealed record PostmortemValidator(
    string Key, string Name, string Stake, DateTimeOffset? AcknowledgedAt, DateTimeOffset? ReadyAt, IReadOnlyList<DateTimeOffset> PagedAt,
    long? SecondsToAcknowledge, long? SecondsToReady);

/// <summary>One validator's state change, as the CSV lists them.</summary>
public sealed record PostmortemTransition(DateTimeOffset At, string Key, string Name, string From, string To, string? Version, string Actor);

/// <summary>The postmortem document of API.md v1.1 (JSON); the CSV and Markdown are drawn from it.</summary>
public sealed record PostmortemDocument(
    PostmortemIncident Incident, PostmortemMilestones Milestones, PostmortemDurations Durations,
    IReadOnlyList<PostmortemValidator> Validators, IReadOnlyList<TimelineEntry> Timeline)
{
    /// <summary>Transitions behind the per-validator figures; the CSV's rows (not part of the JSON).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<PostmortemTransition> Transitions { get; init; } = [];

    /// <summary>The network's unit, in which the Markdown shows stake (the JSON keeps base units).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DisplayUnit Unit { get; init; }
}

/// <summary>
/// The structured records behind the per-validator figures, keyed by validator id so that a validator renamed
/// after it reported is still matched: its reports (validator_reports) and the pages sent to it (pages), with
/// each validator's key and current name.
/// </summary>
public sealed record PostmortemRecords(
    IReadOnlyDictionary<Guid, (string Key, string Name)> Validators, IReadOnlyList<Data.Reports.ValidatorReport> Reports, IReadOnlyList<Data.Paging.Page> Pages);

/// <summary>
/// The postmortem, drawn from what the portal stores. Each validator's transitions come from its report rows
/// and its pages from the page rows, both by validator id; the first published release from the releases.
/// Quorum, resumed and closed exist only as timeline entries (by kind; resumed and closed from the status move's
/// "Status: {from} → {to}"), so they are read there. Reports made before report rows were kept (migration 0014)
/// are read from their timeline summaries ("{validator}: {from} → {to}[, running {version}][ — {note}].") by the
/// validator's current name: a validator renamed since is not found in those.
/// </summary>
public sealed class PostmortemService(PortalDbContext db, CallerAccess access)
{
    public async Task<PostmortemDocument> BuildAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync();
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken)
            ?? throw new NotFoundException($"No incident {incidentId}.");
        var network = await db.Networks.AsNoTracking().SingleAsync(n => n.Id == incident.NetworkId, cancellationToken);
        var validators = await db.IncidentValidators.AsNoTracking()
            .Where(iv => iv.IncidentId == incidentId)
            .Join(db.Validators, iv => iv.ValidatorId, v => v.Id, (iv, v) => new { v.Key, v.Name, iv.Stake })
            .ToListAsync(cancellationToken);
        var releases = await db.Releases.AsNoTracking().Where(r => r.IncidentId == incidentId).ToListAsync(cancellationToken);
        var timeline = await db.TimelineEvents.AsNoTracking().Where(e => e.IncidentId == incidentId).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var reports = await db.ValidatorReports.AsNoTracking().Where(r => r.IncidentId == incidentId).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        var pages = await db.Pages.AsNoTracking().Where(p => p.IncidentId == incidentId).OrderBy(p => p.PagedAt).ToListAsync(cancellationToken);
        var ids = reports.Select(r => r.ValidatorId).Concat(pages.Select(p => p.ValidatorId)).Distinct().ToList();
        var named = (await db.Validators.AsNoTracking().Where(v => ids.Contains(v.Id)).Select(v => new { v.Id, v.Key, v.Name }).ToListAsync(cancellationToken))
            .ToDictionary(v => v.Id, v => (v.Key, v.Name));
        return Compose(incident, network, [.. validators.Select(v => (v.Key, v.Name, v.Stake))], releases, timeline, new PostmortemRecords(named, reports, pages));
    }

    /// <param name="records">Reports and pages by validator id; without them, both are read from the timeline's words.</param>
    public static PostmortemDocument Compose(
        Incident incident, Network network, IReadOnlyList<(string Key, string Name, Stake Stake)> validators, IReadOnlyList<Release> releases, IReadOnlyList<TimelineEvent> timeline,
        PostmortemRecords? records = null)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(validators);
        ArgumentNullException.ThrowIfNull(releases);
        ArgumentNullException.ThrowIfNull(timeline);

        // Longest names first, so "Tokyo Block Works 2" is not read as "Tokyo Block Works".
        var names = validators.OrderByDescending(v => v.Name.Length).ToList();
        var transitions = new List<PostmortemTransition>();
        var paged = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);
        DateTimeOffset? quorumAt = null, resumedAt = null, closedAt = null;
        foreach (var entry in timeline)
        {
            if (entry.Kind == TimelineKinds.ValidatorStatus && Transition(entry, names) is { } transition)
            {
                transitions.Add(transition);
            }
            else if (entry.Kind == TimelineKinds.QuorumReached)
            {
                quorumAt ??= entry.At;
            }
            else if (entry.Kind is TimelineKinds.StatusChanged or TimelineKinds.StatusOverride)
            {
                if (MovedTo(entry.Summary, IncidentStatus.Resumed))
                {
                    resumedAt ??= entry.At;
                }

                if (MovedTo(entry.Summary, IncidentStatus.Closed))
                {
                    closedAt ??= entry.At;
                }
            }
            else if (records is null && IsPage(entry.Kind) && names.FirstOrDefault(v => Mentions(entry.Summary, v.Name) || Mentions(entry.Summary, v.Key)) is { Key: not null } target)
            {
                if (!paged.TryGetValue(target.Key, out var times))
                {
                    paged[target.Key] = times = [];
                }

                times.Add(entry.At);
            }
        }

        if (records is not null)
        {
            // The rows are the record from their first on; only earlier reports come from the timeline's words.
            if (records.Reports.Count > 0)
            {
                var kept = records.Reports[0].At;
                transitions.RemoveAll(t => t.At >= kept);
                transitions.AddRange(records.Reports
                    .Where(r => records.Validators.ContainsKey(r.ValidatorId))
                    .Select(r => new PostmortemTransition(r.At, records.Validators[r.ValidatorId].Key, records.Validators[r.ValidatorId].Name,
                        ValidatorTransitions.Name(r.FromState), ValidatorTransitions.Name(r.ToState), r.Version, r.Actor)));
            }

            foreach (var page in records.Pages)
            {
                if (records.Validators.TryGetValue(page.ValidatorId, out var target))
                {
                    if (!paged.TryGetValue(target.Key, out var times))
                    {
                        paged[target.Key] = times = [];
                    }

                    times.Add(page.PagedAt);
                }
            }
        }

        var firstRelease = releases.Where(r => r.PublishedAt is not null).Min(r => r.PublishedAt);
        var firstAck = transitions.Count == 0 ? (DateTimeOffset?)null : transitions.Min(t => t.At);
        var milestones = new PostmortemMilestones(incident.DeclaredAt, firstRelease, firstAck, quorumAt, resumedAt, closedAt);
        var durations = new PostmortemDurations(
            Seconds(incident.DeclaredAt, firstRelease), Seconds(firstRelease, firstAck), Seconds(firstAck, quorumAt),
            Seconds(quorumAt, resumedAt), Seconds(resumedAt, closedAt), Seconds(incident.DeclaredAt, quorumAt),
            Seconds(incident.DeclaredAt, resumedAt), Seconds(incident.DeclaredAt, closedAt));

        var perValidator = validators
            .OrderByDescending(v => v.Stake)
            .ThenBy(v => v.Name, StringComparer.OrdinalIgnoreCase)
            .Select(v =>
            {
                var own = transitions.Where(t => t.Key == v.Key).ToList();
                var acknowledged = own.FirstOrDefault(t => t.From == "pending")?.At;
                var ready = own.FirstOrDefault(t => t.To == "ready")?.At;
                return new PostmortemValidator(v.Key, v.Name, v.Stake.ToString(), acknowledged, ready,
                    paged.TryGetValue(v.Key, out var times) ? times : [], Seconds(incident.DeclaredAt, acknowledged), Seconds(firstRelease, ready));
            })
            .ToList();

        var release = IncidentReader.CurrentRelease(releases)?.Version;
        return new PostmortemDocument(
            new PostmortemIncident(incident.Id, incident.Title, incident.Summary, incident.Status, incident.HaltHeight, new PostmortemNetwork(network.Name, network.ChainId), release) { Drill = incident.IsDrill },
            milestones, durations, perValidator,
            [.. timeline.Select(e => new TimelineEntry(e.At, e.Kind, e.Actor, e.Summary))])
        {
            Transitions = transitions,
            Unit = network.Unit,
        };
    }

    /// <summary>A page sent (not its answer, escalation or a reminder): see <see cref="Paging.PagingKinds"/>.</summary>
    private static bool IsPage(string kind) => kind == Paging.PagingKinds.Paged;

    private static bool Mentions(string summary, string text) =>
        summary.StartsWith(text + ":", StringComparison.Ordinal) || summary.Contains($" {text}", StringComparison.Ordinal) || summary.Contains($"'{text}'", StringComparison.Ordinal);

    private static bool MovedTo(string summary, IncidentStatus status) =>
        summary.StartsWith("Status: ", StringComparison.Ordinal) && summary.Contains($" → {Incident.Describe(status)}", StringComparison.Ordinal);

    private static PostmortemTransition? Transition(TimelineEvent entry, IReadOnlyList<(string Key, string Name, Stake Stake)> names)
    {
        foreach (var (key, name, _) in names)
        {
            var prefix = name + ": ";
            if (!entry.Summary.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = entry.Summary[prefix.Length..];
            var arrow = rest.IndexOf(" → ", StringComparison.Ordinal);
            if (arrow < 0)
            {
                continue;
            }

            var from = rest[..arrow];
            var after = rest[(arrow + 3)..];
            var noteAt = after.IndexOf(" — ", StringComparison.Ordinal);
            var head = (noteAt < 0 ? after : after[..noteAt]).TrimEnd('.');
            string? version = null;
            var running = head.IndexOf(", running ", StringComparison.Ordinal);
            if (running >= 0)
            {
                version = head[(running + ", running ".Length)..];
                head = head[..running];
            }

            return new PostmortemTransition(entry.At, key, name, from, head, version, entry.Actor);
        }

        return null;
    }

    private static long? Seconds(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } a && to is { } b ? (long)Math.Floor((b - a).TotalSeconds) : null;

    public static string Csv(PostmortemDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder("at,key,name,from,to,version,actor\r\n");
        foreach (var t in document.Transitions)
        {
            text.AppendJoin(',', Iso(t.At), Cell(t.Key), Cell(t.Name), Cell(t.From), Cell(t.To), Cell(t.Version ?? ""), Cell(t.Actor)).Append("\r\n");
        }

        return text.ToString();
    }

    /// <summary>RFC 4180 quoting; a cell a spreadsheet would run as a formula is prefixed with an apostrophe.</summary>
    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Markdown(PostmortemDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var i = document.Incident;
        var m = document.Milestones;
        var d = document.Durations;
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line($"# {(document.Incident.Drill ? "DRILL: " : "")}Postmortem draft: {Inline(i.Title)}");
        Line();
        Line($"{Inline(i.Network.Name)} (`{Inline(i.Network.ChainId)}`), halted at block {i.HaltHeight.ToString(CultureInfo.InvariantCulture)}; status {Incident.Describe(i.Status)}{(i.Release is null ? "" : $"; hotfix `{Inline(i.Release)}`")}.");
        Line("Figures below are read from the incident's records; the sections marked _to fill in_ are for the team.");
        Line();
        Line("## Summary");
        Line();
        Line(i.Summary is null ? "_To fill in: what happened, in two or three sentences._" : Inline(i.Summary));
        Line();
        Line($"The chain was down {Span(d.DeclaredToResumed) ?? "(not resumed yet)"} from the declaration; quorum came {Span(d.DeclaredToQuorumReached) ?? "(not yet)"} after it, {Span(Seconds(m.FirstReleasePublishedAt, m.QuorumReachedAt)) ?? "(no release and quorum yet)"} after the first release was published.");
        Line();
        Line("## Timeline");
        Line();
        Line("| milestone | at (UTC) | since the previous |");
        Line("|---|---|---|");
        Line($"| declared | {When(m.DeclaredAt)} | |");
        Line($"| first release published | {When(m.FirstReleasePublishedAt)} | {Span(d.DeclaredToFirstReleasePublished) ?? "—"} |");
        Line($"| first acknowledged | {When(m.FirstAcknowledgedAt)} | {Span(d.FirstReleasePublishedToFirstAcknowledged) ?? "—"} |");
        Line($"| quorum reached | {When(m.QuorumReachedAt)} | {Span(d.FirstAcknowledgedToQuorumReached) ?? "—"} |");
        Line($"| resumed | {When(m.ResumedAt)} | {Span(d.QuorumReachedToResumed) ?? "—"} |");
        Line($"| closed | {When(m.ClosedAt)} | {Span(d.ResumedToClosed) ?? "—"} |");
        Line();
        foreach (var entry in document.Timeline)
        {
            Line($"- {When(entry.At)} — {Inline(entry.Summary)} ({Inline(entry.Actor)})");
        }

        Line();
        Line("## Impact");
        Line();
        Line($"- Downtime: {Span(d.DeclaredToResumed) ?? "still halted"}.");
        Line($"- Validators: {document.Validators.Count}; ready before quorum was reached: {document.Validators.Count(v => v.ReadyAt is { } r && (m.QuorumReachedAt is null || r <= m.QuorumReachedAt))}; never ready: {document.Validators.Count(v => v.ReadyAt is null)}.");
        Line("- _To fill in: who was affected (users, exchanges, bridges) and how._");
        Line();
        Line("| validator | stake | acknowledged | to acknowledge | ready | to ready (from release) | paged |");
        Line("|---|---|---|---|---|---|---|");
        foreach (var v in document.Validators)
        {
            Line($"| {Inline(v.Name)} | {Inline(document.Unit.Format(Stake.Parse(v.Stake)))} | {When(v.AcknowledgedAt)} | {Span(v.SecondsToAcknowledge) ?? "—"} | {When(v.ReadyAt)} | {Span(v.SecondsToReady) ?? "—"} | {(v.PagedAt.Count == 0 ? "—" : string.Join(", ", v.PagedAt.Select(p => When(p))))} |");
        }

        Line();
        Line("## What went well");
        Line();
        Line("- _To fill in._");
        Line();
        Line("## What went wrong");
        Line();
        Line("- _To fill in._");
        Line();
        Line("## Action items");
        Line();
        Line("- [ ] _To fill in: owner, action, due date._");
        return md.ToString();
    }

    private static string When(DateTimeOffset? at) => at is { } a ? a.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "—";

    private static string? Span(long? seconds)
    {
        if (seconds is not { } s)
        {
            return null;
        }

        var span = TimeSpan.FromSeconds(Math.Abs(s));
        var text = span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes:00} min" : span.TotalMinutes >= 1 ? $"{span.Minutes} min {span.Seconds:00} s" : $"{span.Seconds} s";
        return s < 0 ? $"−{text} (before)" : text;
    }

    /// <summary>One line of Markdown text: no line breaks, table pipes escaped, no raw HTML.</summary>
    private static string Inline(string text) =>
        text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)
            .Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
