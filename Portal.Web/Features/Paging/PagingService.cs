using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Data.Paging;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Paging;

/// <summary>What a page did: its id and the channels it went out on (empty when the operators set up none).</summary>
public sealed record PageAnswer(Guid PageId, IReadOnlyList<string> Channels);

/// <summary>One page of "page all needed".</summary>
public sealed record NeededPage(string Key, string Name, Guid PageId, IReadOnlyList<string> Channels);

/// <summary>
/// A commander waking the operators of a validator: on every channel they set up, ignoring quiet hours (a page is
/// an explicit decision), recorded on the timeline with the notices written in the same transaction. The
/// validator's next report answers the page (<see cref="PagingHooks"/>); an unanswered page escalates
/// (<c>PagingSweep</c>).
/// </summary>
public sealed class PagingService(
    PortalDbContext db, IncidentWrites writes, CallerAccess access, PageRateLimiter limiter, Recipients recipients,
    INoticeOutbox outbox, PagerDutyOptions pagerDuty, PortalLinks links)
{
    public async Task<PageAnswer> PageAsync(Guid incidentId, string key, string? message, CancellationToken cancellationToken = default)
    {
        var caller = await access.RequireAsync(Roles.Admin, Roles.Commander);
        var text = Text.Optional(message, "message", ChannelRules.PageMessageMax, "message", multiLine: true);
        var validator = await FindAsync(incidentId, key, cancellationToken);
        limiter.Acquire(caller.Id);
        return await writes.ChangeAsync(incidentId, caller.UserName, async change =>
        {
            RequireOpen(change.Incident);
            return await PageOneAsync(change, caller, validator.Id, validator.Key, validator.Name, text, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// Pages every validator of the smallest set that would close the quorum gap (the domain's closing set), in
    /// one change; counts as one page against the commander's rate limit. Empty when quorum is reached.
    /// </summary>
    public async Task<IReadOnlyList<NeededPage>> PageAllNeededAsync(Guid incidentId, string? message, CancellationToken cancellationToken = default)
    {
        var caller = await access.RequireAsync(Roles.Admin, Roles.Commander);
        var text = Text.Optional(message, "message", ChannelRules.PageMessageMax, "message", multiLine: true);
        if (!await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken))
        {
            throw new NotFoundException($"No incident {incidentId}.");
        }

        limiter.Acquire(caller.Id);
        return await writes.ChangeAsync(incidentId, caller.UserName, async change =>
        {
            RequireOpen(change.Incident);
            await change.LoadValidatorsAsync(cancellationToken);
            var ids = change.Incident.Validators.Select(v => v.ValidatorId).ToList();
            var names = await db.Validators.AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => (v.Key, v.Name), cancellationToken);
            var byKey = change.Incident.Validators.ToDictionary(v => names[v.ValidatorId].Key, v => v.ValidatorId, StringComparer.Ordinal);
            var quorum = Quorum.Evaluate(change.Network.Quorum, [.. change.Incident.Validators.Select(v => new QuorumVoter(names[v.ValidatorId].Key, v.Stake, v.State))]);
            var pages = new List<NeededPage>();
            foreach (var voter in quorum.SmallestClosingSet)
            {
                var id = byKey[voter.Key];
                var answer = await PageOneAsync(change, caller, id, voter.Key, names[id].Name, text, cancellationToken);
                pages.Add(new NeededPage(voter.Key, names[id].Name, answer.PageId, answer.Channels));
            }

            return (IReadOnlyList<NeededPage>)pages;
        }, cancellationToken);
    }

    private async Task<(Guid Id, string Key, string Name)> FindAsync(Guid incidentId, string key, CancellationToken cancellationToken)
    {
        var validator = await db.IncidentValidators.AsNoTracking()
            .Where(iv => iv.IncidentId == incidentId)
            .Join(db.Validators.Where(v => v.Key == key), iv => iv.ValidatorId, v => v.Id, (_, v) => new { v.Id, v.Key, v.Name })
            .SingleOrDefaultAsync(cancellationToken);
        if (validator is null)
        {
            throw new NotFoundException(await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken)
                ? $"Validator '{key}' is not in this incident's validator set."
                : $"No incident {incidentId}.");
        }

        return (validator.Id, validator.Key, validator.Name);
    }

    private static void RequireOpen(Incident incident)
    {
        if (incident.Status == IncidentStatus.Closed)
        {
            throw new IllegalTransitionException("The incident is closed; nobody is paged for a closed incident.");
        }
    }

    private async Task<PageAnswer> PageOneAsync(IncidentChange change, CallerFacts caller, Guid validatorId, string key, string name, string? message, CancellationToken cancellationToken)
    {
        var operators = await db.OperatorBindings.AsNoTracking().Where(b => b.ValidatorId == validatorId).Select(b => b.UserId).ToListAsync(cancellationToken);
        var settings = await recipients.SettingsAsync(operators, cancellationToken);
        var page = new Page
        {
            Id = Guid.CreateVersion7(change.Now),
            IncidentId = change.Incident.Id,
            ValidatorId = validatorId,
            PagedBy = caller.Id == Guid.Empty ? null : caller.Id,
            PagedByName = caller.UserName,
            Message = message,
            PagedAt = change.Now,
        };

        var subject = $"Page: {name} is needed for \"{change.Incident.Title}\"";
        var body = PageText(change, caller.UserName, name, key, message, links.Operator(change.Incident.Id));
        var trigger = new PagerDutyEvent("", PagerDutyAction.Trigger, PagerDutySender.DedupKey(change.Incident.Id, key), subject, links.Incident(change.Incident.Id));
        var notices = settings.Values.SelectMany(s => recipients.For(s, subject, body, trigger)).ToList();
        if (pagerDuty.RoutingKey is { Length: > 0 } commanders)
        {
            // The commanders' own service gets the same alert, so PagerDuty shows who is still waking up.
            notices.Add(new Notice(ChannelNames.PagerDuty, null, commanders, subject, body, trigger with { RoutingKey = commanders }));
        }

        page.Channels = [.. notices.Select(n => n.Channel).Distinct().Order(StringComparer.Ordinal)];
        db.Pages.Add(page);
        await outbox.EnqueueAsync(db, notices, cancellationToken);

        var reached = operators.Count == 0
            ? "no operator is bound to it"
            : page.Channels.Count == 0 ? $"{Plural(operators.Count, "operator")}, none with a channel set up" : $"{Plural(operators.Count, "operator")} by {string.Join(", ", page.Channels)}";
        change.Record(PagingKinds.Paged, message is null
            ? $"Paged {name} ({reached})."
            : $"Paged {name} ({reached}): {message}");
        change.Incident.Changed(change.Now);
        change.ValidatorChanged(validatorId);

        // Webhook subscribers hear of every page (validator.paged), through the same outbox and transaction.
        change.Raise(new Notifications.Notification(Notifications.NotificationEvents.ValidatorPaged, change.Now, subject,
            message is null ? $"Paged {name} ({reached})." : $"Paged {name} ({reached}): {message}",
            new System.Text.Json.Nodes.JsonObject
            {
                ["incidentId"] = change.Incident.Id.ToString(),
                ["pageId"] = page.Id.ToString(),
                ["key"] = key,
                ["name"] = name,
                ["pagedBy"] = caller.UserName,
                ["message"] = message,
                ["channels"] = new System.Text.Json.Nodes.JsonArray([.. page.Channels.Select(c => (System.Text.Json.Nodes.JsonNode?)c)]),
            })
        {
            IncidentId = change.Incident.Id,
            NetworkId = change.Network.Id,
            Link = Notifications.NotificationEvents.IncidentLink(change.Incident.Id),
        });
        return new PageAnswer(page.Id, page.Channels);
    }

    internal static string PageText(IncidentChange change, string by, string name, string key, string? message, string link)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{by} paged the operators of {name} ({key}) in the incident \"{change.Incident.Title}\" on {change.Network.Name}.\n");
        if (message is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{message}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nReport your validator's state (this answers the page): {link}\n");
        return text.ToString();
    }

    internal static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}

/// <summary>Absolute links into the portal for messages: from <c>Portal:PublicUrl</c>, else the request's origin.</summary>
public sealed class PortalLinks(IConfiguration configuration, IHttpContextAccessor http)
{
    public string Base
    {
        get
        {
            if (configuration["Portal:PublicUrl"] is { Length: > 0 } configured)
            {
                return configured.TrimEnd('/');
            }

            return http.HttpContext?.Request is { } request ? $"{request.Scheme}://{request.Host}" : "http://localhost";
        }
    }

    public string Incident(Guid incidentId) => $"{Base}/incidents/{incidentId}";

    public string Operator(Guid incidentId) => $"{Base}/me/validators?incident={incidentId}";
}
