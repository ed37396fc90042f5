using System.Security.Cryptography;
using Scalar.AspNetCore;

namespace Portal.Web.Features.Api;

/// <summary>
/// The API reference for script writers at <c>/api</c>: Scalar, served from this origin (its scripts come out of
/// the Scalar.AspNetCore package; no CDN, no web fonts), rendering <c>/openapi/v1.json</c>.
/// </summary>
/// <remarks>
/// Scalar's page starts itself with one inline module script. Rather than allow inline scripts, each request gets
/// a fresh nonce on that script and on this response's CSP. Scalar's components set inline styles, so this page
/// alone allows <c>style-src 'unsafe-inline'</c>; see docs/decisions/0013-api-reference-page-policy.md.
/// </remarks>
public static class ApiReference
{
    public const string Path = "/api";

    public static IEndpointConventionBuilder MapApiReference(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapScalarApiReference(Path, (options, http) =>
        {
            // Hex: no character that HTML encoding would change inside the attribute.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            options
                .WithTitle("Validator coordination portal API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .WithNonce(nonce)
                .AddPreferredSecuritySchemes(OpenApiDocumentation.BearerScheme);
            http.Response.Headers.ContentSecurityPolicy = Policy(nonce);
        });

    /// <summary>The site's policy, with the nonce for Scalar's start-up script and inline styles for its components.</summary>
    public static string Policy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
}
