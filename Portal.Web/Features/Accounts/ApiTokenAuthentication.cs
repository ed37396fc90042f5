using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Identity;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// Authenticates <c>Authorization: Bearer vcp_…</c> (and, for the hub's WebSocket handshake, where browsers
/// cannot set headers, the <c>access_token</c> query parameter). The token is hashed and looked up with its
/// user's roles; the answer is kept briefly in <see cref="PrincipalCache"/>, which every instance empties for that
/// user on the commit of a role change, a revocation or disabling the user, so those take effect at once. Failed password sign-ins do not matter here: a script's token keeps working while someone guesses the
/// owner's password. Bad tokens are limited per client address (<see cref="TokenFailureLimiter"/>): 429.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PortalDbContext db,
    TimeProvider clock,
    TokenFailureLimiter failures,
    PrincipalCache cache,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private const string RetryAfterItem = "portal.token-retry-after";

    /// <summary>Last-used times are written at most this often per token, not on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadToken(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (failures.RetryAfter(address) is { } wait)
        {
            Context.Items[RetryAfterItem] = wait;
            return AuthenticateResult.Fail("Too many invalid tokens from this address.");
        }

        var hash = ApiToken.HashOf(presented);
        var now = clock.GetUtcNow();
        if (!cache.TryGetToken(hash, out var token) || token.ExpiresAt <= now)
        {
            var generation = cache.Generation;
            var found = await db.ApiTokens
                .Where(t => t.Hash == hash)
                .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new { Token = t, User = u })
                .SingleOrDefaultAsync(Context.RequestAborted);

            if (found is null || !found.Token.IsActive(now) || found.User.DisabledAt is not null)
            {
                failures.Fail(address);
                return AuthenticateResult.Fail("The token is unknown, revoked or expired, or its user is disabled.");
            }

            var roles = await db.UserRoles
                .Where(ur => ur.UserId == found.User.Id)
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
                .ToListAsync(Context.RequestAborted);
            token = new CachedToken(found.Token.Id, found.User.Id, found.User.UserName ?? string.Empty, roles, found.Token.ExpiresAt, found.Token.LastUsedAt);
            cache.StoreToken(hash, token, generation);
        }

        if (token.LastUsedAt is not { } last || now - last > LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.TokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
            cache.StoreToken(hash, token with { LastUsedAt = now }, cache.Generation);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, token.UserId.ToString()),
                new Claim(ClaimTypes.Name, token.UserName),
                new Claim("token_id", token.TokenId.ToString()),
                .. token.Roles.Select(r => new Claim(ClaimTypes.Role, r)),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RetryAfterItem] is TimeSpan wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = $"Too many invalid API tokens from your address: try again in {seconds} seconds.",
                },
            });
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Authentication required",
                Detail = ReadToken(Request) is null
                    ? "Send an API token as 'Authorization: Bearer <token>'. Create one on the Tokens page."
                    : "The token is unknown, revoked or expired, or its user is disabled.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Not allowed",
                Detail = "Your roles do not allow this action.",
            },
        });
    }

    public static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            return token.Length > 0 ? token : null;
        }

        return request.Path.StartsWithSegments("/hubs") && request.Query["access_token"] is [{ Length: > 0 } queryToken] ? queryToken : null;
    }
}
