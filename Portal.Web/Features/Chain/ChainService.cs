using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Chain;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Chain;

public sealed record ChainImportResult(int Count, string TotalStake, long Height);

/// <summary>A network's chain settings as submitted, validated.</summary>
public sealed record ChainSettings(ChainFamily Family, IReadOnlyList<Uri> RpcUrls, int PollSeconds, bool AutoResume);

/// <summary>
/// Importing a validator set from the chain, and the settings the watch uses. Only commanders and admins: the
/// URLs given here are fetched by the portal and may be private addresses (nodes usually sit on private networks).
/// </summary>
public sealed class ChainService(PortalDbContext db, IncidentService incidents, ChainAdapters adapters, CosmosNames names, CallerAccess access, TimeProvider clock)
{
    public const int MaxRpcUrls = 5;
    public const int MinPollSeconds = 2;
    public const int MaxPollSeconds = 3600;
    public const int DefaultPollSeconds = 10;

    /// <summary>
    /// Reads the whole set at <paramref name="height"/> (and monikers, when a REST URL is given), then freezes it
    /// exactly as a pasted set is frozen. Nothing is written unless every page was read and trusted.
    /// </summary>
    public async Task<ChainImportResult> ImportAsync(
        Guid incidentId, ChainFamily family, Uri rpcUrl, long height, Uri? restUrl, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.Commander);
        var networkId = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId).Select(i => (Guid?)i.NetworkId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"No incident {incidentId}.");
        var set = await adapters.For(family).ReadValidatorSetAsync([rpcUrl], height, cancellationToken);
        var monikers = restUrl is null ? new Dictionary<string, string>() : await names.ReadAsync(restUrl, cancellationToken);

        // The chain knows keys and power; names, zones and contacts already entered for a validator are kept.
        var keys = set.Members.Select(m => m.Key).ToList();
        var known = await db.Validators.AsNoTracking().Where(v => v.NetworkId == networkId && keys.Contains(v.Key))
            .ToDictionaryAsync(v => v.Key, StringComparer.Ordinal, cancellationToken);
        var members = set.Members.Select(m =>
        {
            known.TryGetValue(m.Key, out var existing);
            var name = monikers.TryGetValue(m.Key, out var moniker) && CleanName(moniker) is { } clean ? clean : existing?.Name ?? m.Key;
            return new ValidMember(ValidatorKey.Create(m.Key), name, Stake.FromUnits(m.Power), existing?.TimeZone, existing?.Contact);
        }).ToList();
        var summary = await incidents.ImportValidatorSetAsync(incidentId, height, members, caller.Identity?.Name ?? "?", cancellationToken);
        return new ChainImportResult(summary.Count, summary.TotalStake, height);
    }

    public async Task<NetworkChain?> GetSettingsAsync(Guid networkId, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.Commander);
        if (!await db.Networks.AnyAsync(n => n.Id == networkId, cancellationToken))
        {
            throw new NotFoundException($"No network {networkId}.");
        }

        return await db.NetworkChains.AsNoTracking().SingleOrDefaultAsync(c => c.NetworkId == networkId, cancellationToken);
    }

    /// <summary>Sets where and how often the network is polled. A change of URLs or family forgets the last reading.</summary>
    public async Task<NetworkChain> SaveSettingsAsync(Guid networkId, ChainSettings settings, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await access.RequireAsync(caller, Roles.Admin, Roles.Commander);
        if (!await db.Networks.AnyAsync(n => n.Id == networkId, cancellationToken))
        {
            throw new NotFoundException($"No network {networkId}.");
        }

        var urls = settings.RpcUrls.Select(u => u.AbsoluteUri).ToList();
        var chain = await db.NetworkChains.SingleOrDefaultAsync(c => c.NetworkId == networkId, cancellationToken);
        if (chain is null)
        {
            chain = new NetworkChain { NetworkId = networkId };
            db.NetworkChains.Add(chain);
        }
        else if (chain.Family != settings.Family || !chain.RpcUrls.SequenceEqual(urls))
        {
            (chain.LatestHeight, chain.ReadAt, chain.NodeVersion, chain.CatchingUp, chain.UnreachableSince, chain.LastError, chain.Anomaly) = (null, null, null, null, null, null, null);
        }

        chain.Family = settings.Family;
        chain.RpcUrls = urls;
        chain.PollSeconds = settings.PollSeconds;
        chain.AutoResume = settings.AutoResume;
        chain.UpdatedAt = clock.GetUtcNow();
        chain.ClaimedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        return chain;
    }

    /// <summary>Sets (or, with null, removes) the status URL of a validator of the network, read for the version check.</summary>
    public async Task<Validator> SetStatusUrlAsync(Guid networkId, string key, Uri? statusUrl, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.Commander);
        var validator = await db.Validators.SingleOrDefaultAsync(v => v.NetworkId == networkId && v.Key == key, cancellationToken)
            ?? throw new NotFoundException(await db.Networks.AnyAsync(n => n.Id == networkId, cancellationToken)
                ? $"Validator '{key}' is not on this network."
                : $"No network {networkId}.");
        validator.ChangeStatusUrl(statusUrl?.AbsoluteUri);
        await db.SaveChangesAsync(cancellationToken);
        return validator;
    }

    /// <summary>An http or https URL the portal may fetch; private addresses are allowed, user info is not (it would be shown).</summary>
    public static bool TryUrl(string? text, out Uri url, out string error)
    {
        url = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A URL is required.";
            return false;
        }

        if (text.Length > Limits.ContactMax || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            error = $"Give an absolute http:// or https:// URL of at most {Limits.ContactMax} characters.";
            return false;
        }

        if (parsed.UserInfo.Length > 0 || parsed.Fragment.Length > 0)
        {
            error = "The URL cannot contain a user name, password or fragment.";
            return false;
        }

        url = parsed;
        error = "";
        return true;
    }

    /// <summary>A moniker is free text chosen by the operator on chain: drop control and format characters, keep it within the name column.</summary>
    internal static string? CleanName(string moniker)
    {
        var cleaned = new string([.. moniker.Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format)]).Trim();
        // Whole text elements only, so no surrogate pair or combining sequence is split.
        cleaned = Text.Truncate(cleaned, Limits.ValidatorNameMax, ellipsis: "").Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}
