using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Portal.Web.Hosting;

/// <summary>
/// Brotli and gzip for responses built per request (HTML, JSON); static assets come precompressed from
/// <c>MapStaticAssets</c>. BREACH: a compressed HTTPS response leaks, through its length, a secret it holds
/// next to text an attacker can reflect into it (the incident page echoes <c>?q=</c>). Only requests that
/// carry no session cookie are compressed, which is what a cross-site attacker needs the browser to send;
/// see docs/decisions/0009-compression-and-breach.md.
/// </summary>
public static class Compression
{
    /// <summary>The sign-in cookie's name, as IdentitySetup configures it.</summary>
    private const string SessionCookie = "portal.auth";

    public static IServiceCollection AddPortalCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/problem+json", "image/svg+xml"];
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return services;
    }

    public static IApplicationBuilder UsePortalCompression(this IApplicationBuilder app) =>
        app.UseWhen(context => !HasSessionCookie(context.Request), anonymous => anonymous.UseResponseCompression());

    /// <summary>The sign-in cookie (possibly split into chunks <c>portal.authC1</c>, …).</summary>
    private static bool HasSessionCookie(HttpRequest request) =>
        request.Cookies.Keys.Any(name => name.StartsWith(SessionCookie, StringComparison.Ordinal));
}
