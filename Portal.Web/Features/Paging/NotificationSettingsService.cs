using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Data.Paging;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Paging;

/// <summary>A user's notification settings as shown to them; the PagerDuty key is a secret and shown only as set or not.</summary>
public sealed record NotificationSettingsView(
    string? Email, bool EmailVerified, string? TelegramChatId, bool PagerDutyKeySet, string TimeZone, string QuietFrom, string QuietTo, IReadOnlyList<string> SecondaryContacts);

/// <summary>
/// What the user submits. A blank <see cref="PagerDutyRoutingKey"/> keeps the current key; <see cref="RemovePagerDuty"/>
/// removes it. <see cref="SecondaryContacts"/> are portal user names, woken when a page to this user goes unanswered.
/// </summary>
public sealed record NotificationSettingsInput(
    string? Email, string? TelegramChatId, string? PagerDutyRoutingKey, bool RemovePagerDuty, string? TimeZone, string? QuietFrom, string? QuietTo,
    IReadOnlyList<string>? SecondaryContacts);

/// <summary>Saved (with the new view), or refused with a message per field (camelCase names, as the API spells them).</summary>
public sealed record SettingsOutcome(IReadOnlyDictionary<string, string> Errors, NotificationSettingsView? Saved, bool VerificationSent);

/// <summary>
/// Each user's own channels and quiet hours. A new e-mail address is used only once its owner followed the link sent
/// to it (through the outbox, in the same transaction as the change); until then pages skip it.
/// </summary>
public sealed class NotificationSettingsService(PortalDbContext db, CallerAccess access, INoticeOutbox outbox, TimeProvider clock, PortalLinks links)
{
    public const int MaxSecondaryContacts = 5;
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(24);

    public async Task<NotificationSettingsView> GetAsync(CancellationToken cancellationToken = default)
    {
        var caller = await access.RequireAsync();
        var settings = await db.NotificationSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == caller.Id, cancellationToken) ?? new NotificationSettings { UserId = caller.Id };
        return await ViewAsync(settings, cancellationToken);
    }

    public async Task<SettingsOutcome> SaveAsync(NotificationSettingsInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var caller = await access.RequireAsync();
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var email = Clean(input.Email, "email", errors, EmailAddresses.Max);
        if (email is not null && EmailAddresses.Problem(email) is { } emailProblem)
        {
            errors["email"] = emailProblem;
        }

        var chat = Clean(input.TelegramChatId, "telegramChatId", errors, ChannelRules.TelegramChatIdMax);
        if (chat is not null && ChannelRules.TelegramChatIdProblem(chat) is { } chatProblem)
        {
            errors["telegramChatId"] = chatProblem;
        }

        var routingKey = Clean(input.PagerDutyRoutingKey, "pagerDutyRoutingKey", errors, ChannelRules.PagerDutyRoutingKeyMax);
        if (routingKey is not null && ChannelRules.PagerDutyRoutingKeyProblem(routingKey) is { } keyProblem)
        {
            errors["pagerDutyRoutingKey"] = keyProblem;
        }

        var zone = Clean(input.TimeZone, "timeZone", errors, Limits.TimeZoneMax) ?? "UTC";
        if (!errors.ContainsKey("timeZone") && !IsIanaZone(zone))
        {
            errors["timeZone"] = "Use an IANA time zone name, like Europe/Berlin, Asia/Shanghai or UTC.";
        }

        var (from, fromProblem) = QuietHours.ParseTime(input.QuietFrom ?? QuietHours.Format(QuietHours.Default.StartMinute));
        var (to, toProblem) = QuietHours.ParseTime(input.QuietTo ?? QuietHours.Format(QuietHours.Default.EndMinute));
        if (fromProblem is not null)
        {
            errors["quietFrom"] = fromProblem;
        }

        if (toProblem is not null)
        {
            errors["quietTo"] = toProblem;
        }

        var contactNames = (input.SecondaryContacts ?? []).Select(n => n?.Trim() ?? "").Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var contacts = new List<Guid>();
        if (contactNames.Count > MaxSecondaryContacts)
        {
            errors["secondaryContacts"] = $"At most {MaxSecondaryContacts} secondary contacts.";
        }
        else if (contactNames.Count > 0)
        {
            var upper = contactNames.Select(n => n.ToUpperInvariant()).ToList();
            var found = await db.Users.AsNoTracking().Where(u => upper.Contains(u.NormalizedUserName!) && u.DisabledAt == null)
                .Select(u => new { u.Id, u.NormalizedUserName }).ToListAsync(cancellationToken);
            var missing = contactNames.Where(n => found.All(f => !string.Equals(f.NormalizedUserName, n, StringComparison.OrdinalIgnoreCase))).ToList();
            if (missing.Count > 0)
            {
                errors["secondaryContacts"] = $"No portal user {string.Join(", ", missing.Select(m => $"'{m}'"))}: list user names of people who can sign in.";
            }
            else if (found.Any(f => f.Id == caller.Id))
            {
                errors["secondaryContacts"] = "You cannot be your own secondary contact.";
            }

            contacts = [.. found.Select(f => f.Id)];
        }

        if (errors.Count > 0)
        {
            return new SettingsOutcome(errors, null, false);
        }

        var now = clock.GetUtcNow();
        var settings = await db.NotificationSettings.SingleOrDefaultAsync(s => s.UserId == caller.Id, cancellationToken);
        if (settings is null)
        {
            settings = new NotificationSettings { UserId = caller.Id };
            db.NotificationSettings.Add(settings);
        }

        var sendLink = false;
        if (!string.Equals(settings.Email, email, StringComparison.OrdinalIgnoreCase))
        {
            settings.Email = email;
            settings.EmailVerifiedAt = null;
            settings.EmailTokenHash = null;
            settings.EmailTokenExpiresAt = null;
            sendLink = email is not null;
        }

        settings.TelegramChatId = chat;
        if (input.RemovePagerDuty)
        {
            settings.PagerDutyRoutingKey = null;
        }
        else if (routingKey is not null)
        {
            settings.PagerDutyRoutingKey = routingKey;
        }

        settings.TimeZone = zone;
        settings.QuietStartMinute = from!.Value;
        settings.QuietEndMinute = to!.Value;
        settings.UpdatedAt = now;

        var existing = await db.SecondaryContacts.Where(c => c.UserId == caller.Id).ToListAsync(cancellationToken);
        db.SecondaryContacts.RemoveRange(existing.Where(c => !contacts.Contains(c.ContactUserId)));
        foreach (var id in contacts.Where(id => existing.All(c => c.ContactUserId != id)))
        {
            db.SecondaryContacts.Add(new SecondaryContact { Id = Guid.CreateVersion7(now), UserId = caller.Id, ContactUserId = id, CreatedAt = now });
        }

        if (sendLink)
        {
            await SendLinkAsync(settings, now, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        return new SettingsOutcome(new Dictionary<string, string>(), await ViewAsync(settings, cancellationToken), sendLink);
    }

    /// <summary>Sends a fresh link to the current, unverified address.</summary>
    public async Task<bool> ResendLinkAsync(CancellationToken cancellationToken = default)
    {
        var caller = await access.RequireAsync();
        var settings = await db.NotificationSettings.SingleOrDefaultAsync(s => s.UserId == caller.Id, cancellationToken);
        if (settings is not { Email: not null, EmailVerifiedAt: null })
        {
            return false;
        }

        await SendLinkAsync(settings, clock.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Follows a link: the address it was sent to becomes verified. Needs no sign-in (the link is the proof, opened on
    /// whatever device the mail arrives at); single use, expires after <see cref="LinkLifetime"/>.
    /// </summary>
    public async Task<bool> VerifyAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return false;
        }

        var hash = Hash(token);
        var settings = await db.NotificationSettings.SingleOrDefaultAsync(s => s.EmailTokenHash == hash, cancellationToken);
        var now = clock.GetUtcNow();
        if (settings is null || settings.EmailTokenExpiresAt < now || settings.Email is null)
        {
            return false;
        }

        settings.EmailVerifiedAt = now;
        settings.EmailTokenHash = null;
        settings.EmailTokenExpiresAt = null;
        settings.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private async Task SendLinkAsync(NotificationSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        settings.EmailTokenHash = Hash(token);
        settings.EmailTokenExpiresAt = now + LinkLifetime;
        var link = $"{links.Base}/me/notifications/verify?token={token}";
        await outbox.EnqueueAsync(db, [new Notice(ChannelNames.Email, settings.UserId, settings.Email!, "Confirm your address for validator portal notifications",
            $"Someone (we hope you) asked the validator portal to send pages and reminders to this address.\n\nConfirm it by opening this link within 24 hours:\n{link}\n\nIf this was not you, ignore this message: nothing is sent here until the link is opened.\n")
        {
            EventType = VerificationEvent,
        }], cancellationToken);
    }

    public const string VerificationEvent = "email.verification";

    private async Task<NotificationSettingsView> ViewAsync(NotificationSettings s, CancellationToken cancellationToken)
    {
        var contacts = await db.SecondaryContacts.AsNoTracking().Where(c => c.UserId == s.UserId)
            .Join(db.Users, c => c.ContactUserId, u => u.Id, (_, u) => u.UserName!).OrderBy(n => n).ToListAsync(cancellationToken);
        return new NotificationSettingsView(s.Email, s.EmailVerifiedAt is not null, s.TelegramChatId, s.PagerDutyRoutingKey is not null, s.TimeZone,
            QuietHours.Format(s.QuietStartMinute), QuietHours.Format(s.QuietEndMinute), contacts);
    }

    /// <summary>Trims; blank is absent; text a person could not type is refused for <paramref name="field"/>.</summary>
    private static string? Clean(string? value, string field, Dictionary<string, string> errors, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (Text.Problem(value) is { } problem)
        {
            errors[field] = problem;
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > max)
        {
            errors[field] = $"At most {max} characters.";
            return null;
        }

        return trimmed;
    }

    /// <summary>IANA names only (the zone database the portal runs with knows them): Windows names are refused.</summary>
    internal static bool IsIanaZone(string zone) => TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var found) && found.HasIanaId;

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Per-validator secondary contacts, set by commanders (operators set their own on their settings page).</summary>
public sealed class SecondaryContactService(PortalDbContext db, CallerAccess access, TimeProvider clock)
{
    public async Task<IReadOnlyList<string>> SetForValidatorAsync(Guid networkId, string key, IReadOnlyList<string> userNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userNames);
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        var validator = await db.Validators.AsNoTracking().SingleOrDefaultAsync(v => v.NetworkId == networkId && v.Key == key, cancellationToken)
            ?? throw new NotFoundException($"No validator '{key}' on network {networkId}.");
        var names = userNames.Select(n => (n ?? "").Trim()).Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count > NotificationSettingsService.MaxSecondaryContacts)
        {
            throw new DomainException($"At most {NotificationSettingsService.MaxSecondaryContacts} secondary contacts.", "userNames");
        }

        var upper = names.Select(n => n.ToUpperInvariant()).ToList();
        var users = await db.Users.AsNoTracking().Where(u => upper.Contains(u.NormalizedUserName!) && u.DisabledAt == null).Select(u => new { u.Id, u.UserName }).ToListAsync(cancellationToken);
        if (users.Count != names.Count)
        {
            var missing = names.Where(n => users.All(u => !string.Equals(u.UserName, n, StringComparison.OrdinalIgnoreCase)));
            throw new DomainException($"No portal user {string.Join(", ", missing.Select(m => $"'{m}'"))}.", "userNames");
        }

        var now = clock.GetUtcNow();
        var existing = await db.SecondaryContacts.Where(c => c.ValidatorId == validator.Id).ToListAsync(cancellationToken);
        db.SecondaryContacts.RemoveRange(existing.Where(c => users.All(u => u.Id != c.ContactUserId)));
        db.SecondaryContacts.AddRange(users.Where(u => existing.All(c => c.ContactUserId != u.Id))
            .Select(u => new SecondaryContact { Id = Guid.CreateVersion7(now), ValidatorId = validator.Id, ContactUserId = u.Id, CreatedAt = now }));
        await db.SaveChangesAsync(cancellationToken);
        return [.. users.Select(u => u.UserName!).Order(StringComparer.Ordinal)];
    }
}
