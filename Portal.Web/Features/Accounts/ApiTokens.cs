using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

/// <summary>A user's own tokens: create (the value is returned once), list, revoke.</summary>
public sealed class ApiTokens(PortalDbContext db, SecurityAudit audit, TimeProvider clock, PrincipalCache principals)
{
    public async Task<string> CreateAsync(Guid userId, string userName, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        var (token, plain) = ApiToken.Issue(userId, name, expiresAt, clock.GetUtcNow());
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(SecurityEventKinds.TokenCreated, userName, userId, $"{token.Name} ({token.Hint}…)", cancellationToken);
        return plain;
    }

    /// <summary>Stores a token whose value was chosen outside the portal (the bootstrap admin's).</summary>
    public async Task AddKnownAsync(Guid userId, string name, string plain, CancellationToken cancellationToken = default)
    {
        db.ApiTokens.Add(ApiToken.FromKnownValue(userId, name, plain, clock.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(Guid userId, CancellationToken cancellationToken = default) =>
        await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>Revokes one of the user's own tokens; false when it is not theirs (or does not exist).</summary>
    public async Task<bool> RevokeAsync(Guid userId, string userName, Guid tokenId, CancellationToken cancellationToken = default)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.Revoke(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        principals.Forget(userId);
        await audit.RecordAsync(SecurityEventKinds.TokenRevoked, userName, userId, $"{token.Name} ({token.Hint}…)", cancellationToken);
        return true;
    }
}
