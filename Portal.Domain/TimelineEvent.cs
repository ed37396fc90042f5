using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Domain;

/// <summary>
/// One entry of an incident's append-only timeline. Each entry carries the hash of the one before it, so
/// altering or deleting a row in the database breaks the chain from that row on, and the admin page says where.
/// </summary>
public sealed class TimelineEvent
{
    public const int KindMax = 40;
    public const int ActorMax = 256;
    public const int SummaryMax = 2_000;

    /// <summary>The previous hash of an incident's first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    private TimelineEvent()
    {
        Kind = Actor = Summary = PreviousHash = Hash = string.Empty;
    }

    public long Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Kind { get; private set; }
    public string Actor { get; private set; }
    public string Summary { get; private set; }
    public string PreviousHash { get; private set; }
    public string Hash { get; private set; }

    /// <param name="previousHash">The hash of the incident's latest entry, or null for its first.</param>
    public static TimelineEvent Append(Guid incidentId, string? previousHash, string kind, string actor, string summary, DateTimeOffset at)
    {
        // PostgreSQL keeps microseconds; hash what will be read back.
        var stored = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
        var entry = new TimelineEvent
        {
            IncidentId = incidentId,
            At = stored,
            Kind = Text.Required(kind, "event kind", KindMax),
            Actor = Text.Truncate(Text.Required(actor, "actor", int.MaxValue), ActorMax),
            Summary = Text.Truncate(Text.Required(summary, "summary", int.MaxValue, multiLine: true), SummaryMax),
            PreviousHash = previousHash ?? Genesis,
        };
        entry.Hash = entry.ComputeHash();
        return entry;
    }

    /// <summary>The hash this entry should have given its content; differs from <see cref="Hash"/> if the row was altered.</summary>
    public string ComputeHash()
    {
        var canonical = string.Join('\n',
            IncidentId.ToString("N"),
            At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            Kind, Actor, Summary, PreviousHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>
    /// Walks entries in order and returns the first that does not hold: its own hash is wrong (content changed)
    /// or it does not point at its predecessor (an entry was removed or inserted). Null when the chain is whole.
    /// </summary>
    public static ChainBreak? Verify(IEnumerable<TimelineEvent> orderedEntries)
    {
        ArgumentNullException.ThrowIfNull(orderedEntries);
        var expectedPrevious = Genesis;
        foreach (var entry in orderedEntries)
        {
            if (entry.PreviousHash != expectedPrevious)
            {
                return new ChainBreak(entry.Id, entry.At, "it does not follow the entry before it: an entry was removed, inserted or reordered");
            }

            if (entry.ComputeHash() != entry.Hash)
            {
                return new ChainBreak(entry.Id, entry.At, "its content no longer matches its hash: the row was altered");
            }

            expectedPrevious = entry.Hash;
        }

        return null;
    }
}

/// <summary>Where a timeline's hash chain breaks, and why.</summary>
public sealed record ChainBreak(long EventId, DateTimeOffset At, string Reason);

/// <summary>Timeline entry kinds, as shown in the API's <c>kind</c>.</summary>
public static class TimelineKinds
{
    public const string Declared = "incident-declared";
    public const string StatusChanged = "incident-status";

    /// <summary>Resumed or closed by hand while quorum was not reached, with the commander's reason.</summary>
    public const string StatusOverride = "incident-status-override";

    /// <summary>A commander's title or summary correction.</summary>
    public const string Edited = "incident-edited";

    /// <summary>An update posted by a commander, in Markdown (rendered through SafeMarkdown).</summary>
    public const string Update = "incident-update";
    public const string ValidatorSet = "validator-set";
    public const string ValidatorStatus = "validator-status";

    /// <summary>A validator's waking window changed (the hours the forecast expects its operator to answer in).</summary>
    public const string WakingWindow = "validator-waking-window";
    public const string ReleaseDrafted = "release-drafted";
    public const string ReleaseEdited = "release-edited";
    public const string ReleasePublished = "release-published";
    public const string ReleaseWithdrawn = "release-withdrawn";

    /// <summary>A draft deleted before it was ever published.</summary>
    public const string ReleaseDeleted = "release-deleted";
    public const string QuorumReached = "quorum-reached";
    public const string QuorumLost = "quorum-lost";
    public const string SnapshotDeclared = "snapshot-declared";
    public const string SnapshotUploaded = "snapshot-uploaded";
    public const string SnapshotHashed = "snapshot-hashed";
    public const string SnapshotMismatch = "snapshot-mismatch";
    public const string SnapshotVerified = "snapshot-verified";
    public const string SnapshotPublished = "snapshot-published";
    public const string SnapshotRevoked = "snapshot-revoked";

    /// <summary>A timeline from before anchoring, sealed at its next entry.</summary>
    public const string Anchored = "timeline-anchored";

    /// <summary>The portal found the anchor and the entries disagreeing when it next appended.</summary>
    public const string AnchorMismatch = "timeline-tampered";
}
