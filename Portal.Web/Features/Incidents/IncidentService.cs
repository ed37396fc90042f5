using System.Globalization;
using System.Numerics;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;

namespace Portal.Web.Features.Incidents;

/// <summary>Authenticated, but not allowed to touch this object (an operator and someone else's validator).</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>An Idempotency-Key reused with a different request.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

public sealed record StatusAnswer(string Key, string State, string? Version, DateTimeOffset UpdatedAt);

/// <summary>A report's answer, and whether it replays the first answer to the same Idempotency-Key.</summary>
public sealed record ReportResult(StatusAnswer Answer, bool Replayed, bool Changed);

public sealed record ValidatorSetSummary(int Count, string TotalStake);

public sealed class IncidentService(PortalDbContext db, IncidentWrites writes, StatusReports reports, TimeProvider clock, CallerAccess access)
{
    public async Task<Network> CreateNetworkAsync(string name, string chainId, QuorumRule rule, DisplayUnit unit = default, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin);
        var network = Network.Create(name, chainId, rule, clock.GetUtcNow(), unit);
        if (await db.Networks.AnyAsync(n => n.ChainId == network.ChainId, cancellationToken))
        {
            throw new IllegalTransitionException($"A network with chain id '{network.ChainId}' already exists.");
        }

        db.Networks.Add(network);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Two admins racing past the check above: the unique index decides, the loser gets the same 409.
            throw new IllegalTransitionException($"A network with chain id '{network.ChainId}' already exists.");
        }

        return network;
    }

    public Task<Incident> DeclareAsync(Guid networkId, string title, long haltHeight, string? summary, string actor, CancellationToken cancellationToken = default) =>
        DeclareAsync(networkId, title, haltHeight, summary, actor, drill: false, cancellationToken);

    public async Task<Incident> DeclareAsync(Guid networkId, string title, long haltHeight, string? summary, string actor, bool drill, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        var network = await db.Networks.AsNoTracking().SingleOrDefaultAsync(n => n.Id == networkId, cancellationToken)
            ?? throw new DomainException($"No network {networkId}.");
        return await writes.DeclareAsync(network, title, BlockHeight.Create(haltHeight), summary, actor, drill, cancellationToken);
    }

    /// <summary>
    /// Freezes the validator set at <paramref name="height"/>: validators are created or updated on the
    /// network by key, states of validators still present are kept, the rest are dropped. Recorded.
    /// </summary>
    public async Task<ValidatorSetSummary> ImportValidatorSetAsync(Guid incidentId, long height, IReadOnlyList<ValidMember> members, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            await change.LoadValidatorsAsync(cancellationToken);
            var blockHeight = BlockHeight.Create(height);

            // Imports into incidents of one network create validators by key: one import at a time per network, so
            // two never insert the same new key (the unique index would make the loser a 500).
            await db.Database
                .SqlQuery<Guid>($"SELECT id AS \"Value\" FROM networks WHERE id = {change.Network.Id} FOR NO KEY UPDATE")
                .ToListAsync(cancellationToken);
            var keys = members.Select(m => m.Key.Value).ToList();
            var existing = await db.Validators.Where(v => v.NetworkId == change.Network.Id && keys.Contains(v.Key)).ToDictionaryAsync(v => v.Key, StringComparer.Ordinal, cancellationToken);
            var stakes = new List<ValidatorStake>();
            foreach (var member in members)
            {
                if (existing.TryGetValue(member.Key.Value, out var validator))
                {
                    validator.UpdateProfile(member.Name, member.TimeZone, member.Contact);
                }
                else
                {
                    validator = Validator.Register(change.Network, member.Key, member.Name, member.TimeZone, member.Contact, change.Now);
                    db.Validators.Add(validator);
                }

                if (member.Window is { } window)
                {
                    validator.ChangeWakingWindow(window);
                }

                stakes.Add(new ValidatorStake(validator.Id, member.Stake));
            }

            var hadReports = change.Incident.Validators.Any(v => v.State != ValidatorState.Pending);
            var before = change.Incident.Validators.Count;
            change.Incident.ImportValidatorSet(blockHeight, stakes, change.Now);
            var total = members.Aggregate(BigInteger.Zero, (sum, m) => sum + m.Stake.Value).ToString(CultureInfo.InvariantCulture);
            change.Record(TimelineKinds.ValidatorSet, before == 0
                ? $"Validator set frozen at block {blockHeight}: {members.Count} validators, total stake {total}."
                : $"Validator set replaced at block {blockHeight}: {members.Count} validators (was {before}), total stake {total}{(hadReports ? "; states of validators still present were kept" : "")}.");
            change.AllValidatorsChanged();
            return new ValidatorSetSummary(members.Count, total);
        }, cancellationToken);
    }

    /// <summary>
    /// A commander's move (the domain's table decides). Resuming or closing while quorum is not reached needs a
    /// reason and is recorded as an override; quorum is read under the incident's lock, so it is the current one.
    /// </summary>
    public async Task MoveAsync(Guid incidentId, IncidentStatus next, string? reason, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        await writes.ChangeAsync(incidentId, actor, async change =>
        {
            var from = change.Incident.Status;
            var quorum = Quorum.FromTotals(change.Network.Quorum, await IncidentWrites.QuorumTotalsAsync(db, incidentId, cancellationToken));
            var (cleanReason, isOverride) = change.Incident.MoveTo(next, quorum.Reached, reason, change.Now);
            var summary = $"Status: {Incident.Describe(from)} → {Incident.Describe(next)}";
            if (isOverride)
            {
                change.Record(TimelineKinds.StatusOverride,
                    $"{summary}, overriding quorum (not reached: {ValidatorLine.Percent(quorum.ReadyWeight, quorum.TotalWeight)} ready, {quorum.Needed} more needed). Reason: {cleanReason}");
            }
            else
            {
                change.Record(TimelineKinds.StatusChanged, cleanReason is null ? summary + "." : $"{summary}. Reason: {cleanReason}");
            }

            change.Raise(Notifications.NotificationEvents.StatusChanged(change, from, cleanReason, isOverride));

            return true;
        }, cancellationToken);
    }

    /// <summary>The validators bound to the caller (an operator reports for these); empty for anyone else.</summary>
    public async Task<IReadOnlyList<Guid>> BoundValidatorsAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Users.UserEndpoints.CallerId(caller) is { } userId
            ? await db.OperatorBindings.AsNoTracking().Where(b => b.UserId == userId).Select(b => b.ValidatorId).ToListAsync(cancellationToken)
            : [];
    }

    /// <summary>Corrects the incident's title and summary (commanders, admins); recorded when anything changed.</summary>
    public async Task EditAsync(Guid incidentId, string title, string? summary, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        await writes.ChangeAsync(incidentId, actor, change =>
        {
            var (title0, summary0) = (change.Incident.Title, change.Incident.Summary);
            if (!change.Incident.Edit(title, summary, change.Now))
            {
                return Task.FromResult(false);
            }

            var parts = new List<string>();
            if (title0 != change.Incident.Title)
            {
                parts.Add($"Title changed from \"{title0}\" to \"{change.Incident.Title}\".");
            }

            if (summary0 != change.Incident.Summary)
            {
                parts.Add(change.Incident.Summary is null ? "Summary removed." : "Summary edited.");
            }

            change.Record(TimelineKinds.Edited, string.Join(' ', parts));
            return Task.FromResult(true);
        }, cancellationToken);
    }

    /// <summary>An update for everyone following the incident (commanders, admins): one timeline entry, in Markdown.</summary>
    public async Task PostUpdateAsync(Guid incidentId, string markdown, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        var text = Text.Required(markdown, "update", Limits.UpdateMax, "update", multiLine: true);
        await writes.ChangeAsync(incidentId, actor, change =>
        {
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.Update, text);
            return Task.FromResult(true);
        }, cancellationToken);
    }

    /// <summary>
    /// A state report for one validator, for callers that handle refusals as exceptions: see
    /// <see cref="StatusReports"/>, which owns the use case and returns its outcome.
    /// </summary>
    public async Task<ReportResult> ReportAsync(
        Guid incidentId, string key, ValidatorState state, string? version, string? note, ClaimsPrincipal caller, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        (await reports.SubmitAsync(incidentId, key, state, version, note, caller, idempotencyKey, cancellationToken)).ToResultOrThrow();

    internal static string Describe(string validatorName, StatusReport report)
    {
        var text = new StringBuilder($"{validatorName}: {ValidatorTransitions.Name(report.From)} → {ValidatorTransitions.Name(report.To)}");
        if (report.Version is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", running {report.Version}");
        }

        if (report.Note is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" — {report.Note}");
        }

        return text.Append('.').ToString();
    }
}
