using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Audit;
using Portal.Data.Identity;

namespace Portal.Web.Features.Accounts;

public sealed record UserRow(
    Guid Id, string UserName, string? Email, IReadOnlyList<string> Roles, IReadOnlyList<BoundValidator> Validators, bool HasPassword, DateTimeOffset CreatedAt, bool Disabled,
    bool Locked = false);

/// <summary>A validator bound to an operator, as the Users page lists it.</summary>
public sealed record BoundValidator(Guid Id, string Label);

/// <summary>A network or validator to pick from when binding.</summary>
public sealed record PickItem(Guid Id, string Label);

/// <summary>What the admin's Users page reads; changes go through <see cref="UserAdmin"/>.</summary>
public sealed class UserDirectory(PortalDbContext db, CallerAccess access, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin);
        var now = clock.GetUtcNow();
        var all = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var roles = await db.UserRoles.Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var bindings = await db.OperatorBindings
            .Join(db.Validators, b => b.ValidatorId, v => v.Id, (b, v) => new { b.UserId, v.Id, v.Name, v.Key, v.NetworkId })
            .Join(db.Networks, x => x.NetworkId, n => n.Id, (x, n) => new { x.UserId, x.Id, x.Name, x.Key, n.ChainId })
            .ToListAsync(cancellationToken);
        return [.. all.Select(u => new UserRow(
            u.Id, u.UserName!, u.Email,
            [.. roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order(StringComparer.Ordinal)],
            [.. bindings.Where(b => b.UserId == u.Id).Select(b => new BoundValidator(b.Id, $"{b.Name} ({b.ChainId} {b.Key})"))],
            u.PasswordHash is not null, u.CreatedAt, u.DisabledAt is not null, u.LockoutEnd > now))];
    }

    /// <summary>The networks, to pick a validator from.</summary>
    public async Task<IReadOnlyList<PickItem>> NetworksAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin);
        return await db.Networks.AsNoTracking().OrderBy(n => n.Name)
            .Select(n => new PickItem(n.Id, n.Name + " (" + n.ChainId + ")"))
            .ToListAsync(cancellationToken);
    }

    /// <summary>One network's validators, by name.</summary>
    public async Task<IReadOnlyList<PickItem>> ValidatorsAsync(Guid networkId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin);
        return await db.Validators.AsNoTracking().Where(v => v.NetworkId == networkId).OrderBy(v => v.Name).ThenBy(v => v.Key)
            .Select(v => new PickItem(v.Id, v.Name + " (" + v.Key + ")"))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Resolves "chain-id key" lines to validator ids; errors name the line.</summary>
    public async Task<(IReadOnlyList<Guid> Ids, string? Error)> ResolveValidatorsAsync(string? lines, CancellationToken cancellationToken = default)
    {
        var ids = new List<Guid>();
        var number = 0;
        foreach (var line in (lines ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            number++;
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                return ([], $"Line {number}: write the network's chain id, a space, then the validator key.");
            }

            var (chainId, key) = (parts[0], parts[1]);
            var id = await db.Validators
                .Join(db.Networks, v => v.NetworkId, n => n.Id, (v, n) => new { v.Id, v.Key, n.ChainId })
                .Where(x => x.ChainId == chainId && x.Key == key)
                .Select(x => (Guid?)x.Id)
                .SingleOrDefaultAsync(cancellationToken);
            if (id is null)
            {
                return ([], $"Line {number}: no validator '{key}' on network '{chainId}'.");
            }

            ids.Add(id.Value);
        }

        return (ids, null);
    }

    /// <summary>The security audit's newest events: admins only.</summary>
    public async Task<IReadOnlyList<SecurityEvent>> RecentEventsAsync(int count, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin);
        return await db.SecurityEvents.AsNoTracking().OrderByDescending(e => e.Id).Take(count).ToListAsync(cancellationToken);
    }
}
