using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Data.Notifications;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Notifications;

/// <summary>A subscription as listed (never its secret).</summary>
public sealed record WebhookView(Guid Id, string Url, IReadOnlyList<string> Events, string Format, Guid? NetworkId, string? NetworkName, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A new subscription and its secret, which is shown this once.</summary>
public sealed record CreatedWebhook(WebhookView Webhook, string Secret);

/// <summary>One delivery (API.md: <c>{id, event, status, attempts, lastAttemptAt, responseCode}</c>) and, for the admin page, more.</summary>
public sealed record DeliveryView(string Id, string Event, string Status, int Attempts, DateTimeOffset? LastAttemptAt, int? ResponseCode,
    string Kind, string Destination, Guid? WebhookId, string? LastError, DateTimeOffset CreatedAt);

/// <summary>A subscription request as received; every field is checked here and named when bad.</summary>
public sealed record WebhookInput(string? Url, IReadOnlyList<string?>? Events, Guid? NetworkId, string? Format);

/// <summary>Webhook subscriptions and their deliveries, for admins and commanders.</summary>
public sealed class WebhookService(PortalDbContext db, CallerAccess access, TimeProvider clock, WebhookOptions options)
{
    public const int MaxListed = 200;

    public async Task<CreatedWebhook> CreateAsync(WebhookInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var caller = await access.RequireAsync(Roles.Admin, Roles.Commander);
        var errors = new Dictionary<string, string[]>();
        Uri? url = null;
        if (!WebhookAddresses.TryParse(input.Url, options.AllowPrivateAddresses, out var parsed, out var urlError))
        {
            errors["url"] = [urlError];
        }
        else if (!options.AllowPrivateAddresses && await WebhookAddresses.CheckResolvedAsync(parsed, cancellationToken) is { } resolved)
        {
            errors["url"] = [resolved];
        }
        else
        {
            url = parsed;
        }

        var events = new List<string>();
        if (input.Events is not { Count: > 0 })
        {
            errors["events"] = [$"Name at least one event: {string.Join(", ", NotificationEvents.All)}."];
        }
        else
        {
            for (var i = 0; i < input.Events.Count; i++)
            {
                var name = input.Events[i];
                if (name is null || !NotificationEvents.All.Contains(name, StringComparer.Ordinal))
                {
                    errors[$"events[{i}]"] = [$"Unknown event; one of {string.Join(", ", NotificationEvents.All)}."];
                }
                else if (events.Contains(name, StringComparer.Ordinal))
                {
                    errors[$"events[{i}]"] = ["This event is already in the list."];
                }
                else
                {
                    events.Add(name);
                }
            }
        }

        var format = string.IsNullOrWhiteSpace(input.Format) ? WebhookFormats.Standard : input.Format;
        if (!WebhookFormats.All.Contains(format, StringComparer.Ordinal))
        {
            errors["format"] = ["The format must be \"standard\", \"slack\" or \"discord\"."];
        }

        string? networkName = null;
        if (input.NetworkId is { } networkId)
        {
            networkName = await db.Networks.Where(n => n.Id == networkId).Select(n => n.Name).SingleOrDefaultAsync(cancellationToken);
            if (networkName is null)
            {
                errors["networkId"] = [$"No network {networkId}."];
            }
        }

        if (errors.Count > 0)
        {
            throw new WebhookInputException(errors);
        }

        var subscription = new WebhookSubscription
        {
            Id = Guid.NewGuid(),
            Url = url!.OriginalString,
            Events = events,
            Format = format,
            NetworkId = input.NetworkId,
            Secret = StandardWebhookSignature.NewSecret(),
            CreatedBy = caller.UserName,
            CreatedAt = clock.GetUtcNow(),
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedWebhook(View(subscription, networkName), subscription.Secret);
    }

    public async Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        var rows = await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        var names = await db.Networks.AsNoTracking().ToDictionaryAsync(n => n.Id, n => n.Name, cancellationToken);
        return [.. rows.Select(s => View(s, s.NetworkId is { } id ? names.GetValueOrDefault(id) : null))];
    }

    /// <summary>Deletes a subscription; its pending deliveries go with it.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        if (await db.WebhookSubscriptions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw new NotFoundException($"No webhook {id}.");
        }
    }

    /// <summary>A subscription's deliveries, newest first.</summary>
    public async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == id, cancellationToken))
        {
            throw new NotFoundException($"No webhook {id}.");
        }

        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.SubscriptionId == id)
            .OrderByDescending(m => m.Id).Take(MaxListed).ToListAsync(cancellationToken);
        return [.. rows.Select(Delivery)];
    }

    /// <summary>Dead letters: messages of every channel that were given up on, newest first.</summary>
    public async Task<IReadOnlyList<DeliveryView>> FailedAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.Status == OutboxStatus.Failed)
            .OrderByDescending(m => m.Id).Take(MaxListed).ToListAsync(cancellationToken);
        return [.. rows.Select(Delivery)];
    }

    private static WebhookView View(WebhookSubscription s, string? networkName) =>
        new(s.Id, s.Url, s.Events, s.Format, s.NetworkId, networkName, s.CreatedBy, s.CreatedAt);

    private static DeliveryView Delivery(OutboxMessage m) =>
        new(m.MessageId, m.EventType, m.Status, m.Attempts, m.LastAttemptAt, m.ResponseCode, m.Kind, m.DestinationKey, m.SubscriptionId, m.LastError, m.CreatedAt);
}

/// <summary>Bad subscription input, each bad field named; the API answers 400 with this map.</summary>
public sealed class WebhookInputException(IReadOnlyDictionary<string, string[]> errors) : Exception("The webhook has invalid fields.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
