using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Portal.Domain;

namespace Portal.Web.Features.Api;

/// <summary>
/// Maps what escapes an endpoint to a status: unreadable input is the caller's 400 (malformed JSON, wrong
/// types, unknown enum names, oversized bodies), an illegal transition is 409, anything else is ours (500).
/// The exception handler then writes problem+json for the API and the friendly error page for pages.
/// </summary>
public static partial class ApiErrors
{
    public static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    public static int StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => StatusCodes.Status400BadRequest, // API.md: oversized bodies are 400
        BadHttpRequestException bad => bad.StatusCode,
        Incidents.NotFoundException => StatusCodes.Status404NotFound,
        Incidents.ForbiddenException => StatusCodes.Status403Forbidden,
        Incidents.IdempotencyConflictException => StatusCodes.Status409Conflict,
        _ when Hosting.DatabaseOutage.IsOutage(exception) => StatusCodes.Status503ServiceUnavailable,
        JsonException => StatusCodes.Status400BadRequest,
        IllegalTransitionException => StatusCodes.Status409Conflict,
        DomainException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Gives 4xx problems a detail the caller can act on; 500s say nothing about internals.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        var error = context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is null)
        {
            return;
        }

        var status = StatusFor(error);
        context.ProblemDetails.Status = status;
        if (status < 500)
        {
            context.ProblemDetails.Title = status switch
            {
                StatusCodes.Status404NotFound => "Not found",
                StatusCodes.Status403Forbidden => "Not allowed",
                StatusCodes.Status409Conflict => "Conflict",
                _ => "Invalid request",
            };
            context.ProblemDetails.Detail = Plain(Unwrap(error).Message);
            if (error is DomainException { Field: { } field })
            {
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [error.Message] };
            }
            else if (Unwrap(error) is JsonException { Path: { Length: > 2 } path } json && path.StartsWith("$.", StringComparison.Ordinal))
            {
                // "$.validators[2].stake" names the field as the caller wrote it; the message says what was wrong.
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [path[2..]] = [Plain(FirstSentence(json.Message))] };
            }
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.ProblemDetails.Title = Hosting.DatabaseOutage.Title;
            context.ProblemDetails.Detail = "The portal cannot reach its database right now. Nothing was changed; try again shortly.";
            context.HttpContext.Response.Headers.RetryAfter = Hosting.DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// The serializer names the .NET type it wanted ("could not be converted to Portal.Web.Features….Request"): the
    /// caller is told what kind of JSON value was expected instead, and nothing of the portal's insides.
    /// </summary>
    private static string Plain(string message) => TypeName().Replace(message, match => "could not be read as " + Unwrapped(match.Groups[1].Value) switch
    {
        "System.String" => "a string",
        "System.Boolean" => "true or false",
        "System.Guid" => "an id",
        "System.DateTimeOffset" or "System.DateTime" => "a timestamp",
        var t when t.StartsWith("System.Int", StringComparison.Ordinal) || t.StartsWith("System.UInt", StringComparison.Ordinal)
            || t is "System.Double" or "System.Decimal" => "a number",
        var t when t.Contains("[]", StringComparison.Ordinal) || t.StartsWith("System.Collections", StringComparison.Ordinal) => "a list",
        _ => "the kind of value the API documents here",
    });

    private static string Unwrapped(string type) =>
        type.StartsWith("System.Nullable`1[", StringComparison.Ordinal) && type.EndsWith(']') ? type["System.Nullable`1[".Length..^1] : type;

    [System.Text.RegularExpressions.GeneratedRegex(@"could not be converted to ([\w.`\[\], ]+?)(?=\.(?:\s|$)|$)")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    /// <summary>The framework appends " Path: … | LineNumber: …" to its own messages; the path is already the key.</summary>
    private static string FirstSentence(string message) =>
        message.IndexOf(" Path: ", StringComparison.Ordinal) is >= 0 and var cut ? message[..cut] : message;

    private static Exception Unwrap(Exception error) =>
        error is BadHttpRequestException { InnerException: JsonException json } ? json : error;
}
