using System.Globalization;
using System.Numerics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Users;

namespace Portal.Web.Features.Incidents;

/// <summary>Authenticated, but not allowed to touch this object (an operator and someone else's validator).</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>An Idempotency-Key reused with a different request.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

public sealed record StatusAnswer(string Key, string State, string? Version, DateTimeOffset UpdatedAt);

/// <summary>A report's answer, and whether it replays the first answer to the same Idempotency-Key.</summary>
public sealed record ReportResult(StatusAnswer Answer, bool Replayed, bool Changed);

public sealed record ValidatorSetSummary(int Count, string TotalStake);

public sealed class IncidentService(PortalDbContext db, IncidentWrites writes, ReportBatcher reports, TimeProvider clock, CallerAccess access)
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

            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// A state report for one validator. Operators may report only for validators bound to them; commanders
    /// and admins for anyone, recorded as on the operator's behalf. With an idempotency key, a retry returns the
    /// first answer and changes nothing; the key and the change commit together.
    /// </summary>
    public async Task<ReportResult> ReportAsync(
        Guid incidentId, string key, ValidatorState state, string? version, string? note, ClaimsPrincipal caller, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var userId = UserEndpoints.CallerId(caller) ?? throw new ForbiddenException("Sign in to report.");
        var actor = caller.Identity?.Name ?? "?";
        var onBehalf = (await access.RequireAsync(caller, Roles.Admin, Roles.Commander, Roles.Operator)).IsAny(Roles.Admin, Roles.Commander);

        // Everything that does not depend on the incident's current state is checked before its lock is taken:
        // reports for one incident apply one at a time, so the locked part must stay short.
        var validator = await db.Validators.AsNoTracking()
            .Where(v => v.Key == key && db.Incidents.Any(i => i.Id == incidentId && i.NetworkId == v.NetworkId))
            .Select(v => new { v.Id, v.Key, v.Name, Bound = db.OperatorBindings.Any(b => b.UserId == userId && b.ValidatorId == v.Id) })
            .SingleOrDefaultAsync(cancellationToken);
        if (validator is null)
        {
            throw new NotFoundException(await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken)
                ? $"Validator '{key}' is not in this incident's validator set."
                : $"No incident {incidentId}.");
        }

        var bound = validator.Bound;
        if (!bound && !onBehalf)
        {
            throw new ForbiddenException($"You may report only for validators bound to you; '{key}' is not.");
        }

        var requestHash = Hash($"{incidentId:N}|{key}|{state}|{version}|{note}");
        if (idempotencyKey is not null && await ReplayAsync(db, userId, idempotencyKey, requestHash, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        var by = bound ? actor : $"{actor} (on behalf of the operator)";
        return await reports.SubmitAsync(
            new ReportCommand(incidentId, validator.Id, validator.Key, validator.Name, state, version, note, userId, by, onBehalf && !bound, idempotencyKey, requestHash),
            cancellationToken);
    }

    /// <summary>
    /// The first answer to this key, or null if the key is new; a key reused for another report is a conflict.
    /// Records added earlier in the same batch (not saved yet) count too.
    /// </summary>
    internal static async Task<ReportResult?> ReplayAsync(PortalDbContext db, Guid userId, string idempotencyKey, string requestHash, CancellationToken cancellationToken)
    {
        var previous = db.IdempotencyRecords.Local.FirstOrDefault(r => r.UserId == userId && r.Key == idempotencyKey)
            ?? await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == idempotencyKey, cancellationToken);
        if (previous is null)
        {
            return null;
        }

        return previous.RequestHash == requestHash
            ? new ReportResult(JsonSerializer.Deserialize<StatusAnswer>(previous.ResponseBody, JsonSerializerOptions.Web)!, Replayed: true, Changed: false)
            : throw new IdempotencyConflictException("This Idempotency-Key was already used for a different report; use a new key for a new report.");
    }

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

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
