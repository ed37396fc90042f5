using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Domain;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// The events of API.md v1.1 and how each reads: one factory per event, called from the use case that causes it
/// (inside its incident change) with <c>change.Raise(NotificationEvents.…)</c>. <c>data</c> holds ids, names and
/// figures, never contacts, user names or status notes.
/// </summary>
public static class NotificationEvents
{
    public const string IncidentDeclared = "incident.declared";
    public const string IncidentStatusChanged = "incident.status_changed";
    public const string ReleasePublished = "release.published";
    public const string ReleaseWithdrawn = "release.withdrawn";
    public const string SnapshotPublished = "snapshot.published";
    public const string ValidatorStatusChanged = "validator.status_changed";
    public const string QuorumReached = "quorum.reached";
    public const string QuorumLost = "quorum.lost";
    public const string ValidatorPaged = "validator.paged";

    public static IReadOnlyList<string> All { get; } =
        [IncidentDeclared, IncidentStatusChanged, ReleasePublished, ReleaseWithdrawn, SnapshotPublished, ValidatorStatusChanged, QuorumReached, QuorumLost, ValidatorPaged];

    public static string StatusName(IncidentStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    /// <summary>The portal page of an incident, relative to <c>Portal:PublicUrl</c>.</summary>
    public static string IncidentLink(Guid incidentId) => $"/incidents/{incidentId}";

    /// <summary>Where operators report: their own validators' page.</summary>
    public const string OperatorLink = "/me/validators";

    public static Notification Declared(Incident incident, Network network, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(network);
        return Make(IncidentDeclared, incident, network, at,
            $"[{network.Name}] Incident declared: {incident.Title}",
            $"{network.Name} ({network.ChainId}) halted at block {incident.HaltHeight.ToString(CultureInfo.InvariantCulture)}: {incident.Title}.",
            new JsonObject { ["title"] = incident.Title, ["haltHeight"] = incident.HaltHeight, ["status"] = StatusName(incident.Status) },
            IncidentLink(incident.Id));
    }

    public static Notification StatusChanged(IncidentChange change, IncidentStatus from, string? reason, bool isOverride)
    {
        ArgumentNullException.ThrowIfNull(change);
        var to = change.Incident.Status;
        return Make(IncidentStatusChanged, change.Incident, change.Network, change.Now,
            $"[{change.Network.Name}] {change.Incident.Title}: {Incident.Describe(to)}",
            $"{change.Incident.Title}: status {Incident.Describe(from)} → {Incident.Describe(to)}{(isOverride ? " (overriding quorum)" : "")}{(reason is null ? "" : $". Reason: {reason}")}.",
            new JsonObject { ["from"] = StatusName(from), ["to"] = StatusName(to), ["override"] = isOverride, ["reason"] = reason },
            IncidentLink(change.Incident.Id));
    }

    public static Notification Published(IncidentChange change, Release release)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(release);
        var artifacts = new JsonArray();
        foreach (var artifact in release.Artifacts)
        {
            artifacts.Add(new JsonObject
            {
                ["platform"] = artifact.Platform,
                ["url"] = artifact.Url,
                ["sha256"] = artifact.Sha256.ToString(),
                ["sizeBytes"] = artifact.SizeBytes,
                ["verifyCommand"] = ShellCommands.VerifyArtifact(artifact),
            });
        }

        return Make(ReleasePublished, change.Incident, change.Network, change.Now,
            $"[{change.Network.Name}] Hotfix {release.Version} published: upgrade your validator",
            $"Hotfix {release.Version} is published for {change.Incident.Title} ({change.Network.Name}, halted at block {change.Incident.HaltHeight.ToString(CultureInfo.InvariantCulture)}). Upgrade, then report your state.",
            new JsonObject
            {
                ["releaseId"] = release.Id,
                ["version"] = release.Version,
                ["notes"] = release.Notes,
                ["publishedAt"] = release.PublishedAt,
                ["artifacts"] = artifacts,
            },
            OperatorLink);
    }

    public static Notification Withdrawn(IncidentChange change, Release release)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(release);
        return Make(ReleaseWithdrawn, change.Incident, change.Network, change.Now,
            $"[{change.Network.Name}] Hotfix {release.Version} withdrawn: do not install it",
            $"Release {release.Version} of {change.Incident.Title} was withdrawn: {release.WithdrawnReason}",
            new JsonObject { ["releaseId"] = release.Id, ["version"] = release.Version, ["reason"] = release.WithdrawnReason },
            OperatorLink);
    }

    public static Notification SnapshotReady(IncidentChange change, Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(snapshot);
        return Make(SnapshotPublished, change.Incident, change.Network, change.Now,
            $"[{change.Network.Name}] Snapshot at block {snapshot.Height.ToString(CultureInfo.InvariantCulture)} published",
            $"A verified snapshot at block {snapshot.Height.ToString(CultureInfo.InvariantCulture)} is published for {change.Incident.Title}: SHA-256 {snapshot.DeclaredSha256}, {snapshot.DeclaredSize.ToString("N0", CultureInfo.InvariantCulture)} bytes.",
            new JsonObject
            {
                ["snapshotId"] = snapshot.Id,
                ["height"] = snapshot.Height,
                ["blockHash"] = snapshot.BlockHash,
                ["sha256"] = snapshot.DeclaredSha256.ToString(),
                ["sizeBytes"] = snapshot.DeclaredSize,
                ["fileName"] = snapshot.FileName,
                ["verifyCommand"] = ShellCommands.VerifySnapshot(snapshot.DeclaredSha256, snapshot.FileName),
            },
            IncidentLink(change.Incident.Id));
    }

    public static Notification ValidatorStatus(IncidentChange change, string key, string name, StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(report);
        return Make(ValidatorStatusChanged, change.Incident, change.Network, change.Now,
            $"[{change.Network.Name}] {name}: {ValidatorTransitions.Name(report.To)}",
            $"{name}: {ValidatorTransitions.Name(report.From)} → {ValidatorTransitions.Name(report.To)}{(report.Version is null ? "" : $", running {report.Version}")} ({change.Incident.Title}).",
            new JsonObject
            {
                ["key"] = key,
                ["name"] = name,
                ["from"] = ValidatorTransitions.Name(report.From),
                ["to"] = ValidatorTransitions.Name(report.To),
                ["version"] = report.Version,
            },
            IncidentLink(change.Incident.Id));
    }

    public static Notification Quorum(IncidentChange change, QuorumEvaluation quorum, bool reached)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(quorum);
        var ready = quorum.ReadyWeight.ToString(CultureInfo.InvariantCulture);
        var total = quorum.TotalWeight.ToString(CultureInfo.InvariantCulture);
        return Make(reached ? QuorumReached : QuorumLost, change.Incident, change.Network, change.Now,
            reached ? $"[{change.Network.Name}] Quorum reached: {change.Incident.Title}" : $"[{change.Network.Name}] Quorum lost: {change.Incident.Title}",
            reached
                ? $"Quorum reached on {change.Network.Name}: {quorum.Counts.Ready} of {quorum.Counts.Total} validators ready ({change.Network.Quorum})."
                : $"Quorum lost on {change.Network.Name}: only {quorum.Counts.Ready} of {quorum.Counts.Total} validators ready; {quorum.Needed.ToString(CultureInfo.InvariantCulture)} more needed.",
            new JsonObject
            {
                ["readyStake"] = ready,
                ["totalStake"] = total,
                ["stakeNeeded"] = quorum.Needed.ToString(CultureInfo.InvariantCulture),
                ["ready"] = quorum.Counts.Ready,
                ["total"] = quorum.Counts.Total,
            },
            IncidentLink(change.Incident.Id));
    }

    private static Notification Make(string type, Incident incident, Network network, DateTimeOffset at, string subject, string text, JsonObject data, string link)
    {
        var full = new JsonObject
        {
            ["incidentId"] = incident.Id,
            ["network"] = new JsonObject { ["id"] = network.Id, ["name"] = network.Name, ["chainId"] = network.ChainId },
            ["drill"] = incident.IsDrill,
        };
        foreach (var (name, value) in data.ToList())
        {
            data.Remove(name);
            full[name] = value;
        }

        // A drill says so in every message, so nobody wakes up for a rehearsal thinking the chain is down.
        if (incident.IsDrill)
        {
            subject = $"[DRILL] {subject}";
            text = $"DRILL: this is a rehearsal, not a real incident.\n\n{text}";
        }

        return new Notification(type, at, subject, text, full) { IncidentId = incident.Id, NetworkId = network.Id, Link = link };
    }
}
