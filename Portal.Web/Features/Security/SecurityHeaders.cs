using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Components.Routing;
using Portal.Data.Blobs;

namespace Portal.Web.Features.Security;

/// <summary>
/// Headers every response carries. The CSP allows scripts and styles from this origin only: no inline script,
/// no inline style, no third-party origin (every library is served from wwwroot/lib or the packages' _content).
/// One exception (decision 0012): the interactive console pages allow inline styles, which MudBlazor sets on
/// its components and its theme; never inline scripts, and static pages (account, public) keep the strict policy.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, BlobOptions blobs)
{
    private readonly string _policy = Policy(blobs, "style-src 'self'");

    private readonly string _consolePolicy = Policy(blobs, "style-src 'self' 'unsafe-inline'");

    private static string Policy(BlobOptions blobs, string styles) =>
        $"default-src 'self'; script-src 'self'; {styles}; img-src 'self' data:; font-src 'self'; " +
        $"connect-src 'self'{StoreOrigin(blobs)}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>A page rendered with interactive routing (a console page), as decided once the endpoint is known.</summary>
    private static bool IsConsolePage(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null && context.AcceptsInteractiveRouting();

    /// <summary>Browsers PUT snapshot parts straight to S3, so its origin is the one other place they may connect to.</summary>
    private static string StoreOrigin(BlobOptions blobs) =>
        !string.Equals(blobs.Provider, "s3", StringComparison.OrdinalIgnoreCase) ? ""
        : Uri.TryCreate(blobs.S3.ServiceUrl, UriKind.Absolute, out var endpoint) ? " " + endpoint.GetLeftPart(UriPartial.Authority)
        : $" https://{blobs.S3.Bucket}.s3.{blobs.S3.Region}.amazonaws.com https://s3.{blobs.S3.Region}.amazonaws.com";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = _policy;
        context.Response.OnStarting(() =>
        {
            if (IsConsolePage(context))
            {
                context.Response.Headers.ContentSecurityPolicy = _consolePolicy;
            }

            return Task.CompletedTask;
        });
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        return next(context);
    }
}

/// <summary>
/// Browsers send cookies on cross-site WebSocket handshakes, and WebSockets are exempt from CORS, so the hub and
/// the console's circuits (<c>/_blazor</c>) refuse any connection whose Origin is not this site (or one listed in
/// <c>Portal:AllowedOrigins</c>): a foreign page could otherwise drive a signed-in user's console.
/// Requests without an Origin (scripts, server-side clients) carry a bearer token instead of a cookie.
/// </summary>
public sealed class HubOriginCheck(RequestDelegate next, IConfiguration configuration)
{
    private readonly string[] _allowed = configuration.GetSection("Portal:AllowedOrigins").Get<string[]>() ?? [];

    public Task InvokeAsync(HttpContext context)
    {
        if ((context.Request.Path.StartsWithSegments("/hubs") || context.Request.Path.StartsWithSegments("/_blazor")) && context.Request.Headers.Origin is [{ } origin, ..] && !IsAllowed(context.Request, origin))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("Cross-origin connections are not allowed.");
        }

        return next(context);
    }

    private bool IsAllowed(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && ((string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
            || _allowed.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase));
}
