using Portal.Data;
using Portal.Data.Audit;
using Portal.Domain;

namespace Portal.Web.Features.Security;

/// <summary>Appends security events (sign-ins, tokens, roles) with the time and the caller's address.</summary>
public sealed class SecurityAudit(PortalDbContext db, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task RecordAsync(string kind, string actor, Guid? userId, string? detail = null, CancellationToken cancellationToken = default)
    {
        db.SecurityEvents.Add(new SecurityEvent
        {
            At = clock.GetUtcNow(),
            Kind = kind,
            Actor = Text.Truncate(actor, SecurityEvent.ActorMax),
            UserId = userId,
            SourceAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            Detail = detail is null ? null : Text.Truncate(detail, SecurityEvent.DetailMax),
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
