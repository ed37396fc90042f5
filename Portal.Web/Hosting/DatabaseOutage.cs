using System.Net.Sockets;
using Npgsql;
using Portal.Web.Features.Api;

namespace Portal.Web.Hosting;

/// <summary>
/// While PostgreSQL cannot be reached, every request answers 503 with <c>Retry-After</c> (API.md v1.1): a
/// problem document on the API, a short friendly page in the browser, never a 500. It answers by itself, with
/// no database and no re-executed page (which would need the database again). Nothing is half-applied: every
/// change runs in one transaction, which PostgreSQL rolls back when the connection drops before the commit.
/// </summary>
public sealed partial class DatabaseOutage(RequestDelegate next, ILogger<DatabaseOutage> logger)
{
    /// <summary>Seconds a client should wait before trying again.</summary>
    public const int RetryAfterSeconds = 5;

    public const string Title = "The portal's database is unreachable";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsOutage(ex) && !context.Response.HasStarted)
        {
            LogOutage(context.Request.Method, context.Request.Path, ex.GetBaseException().Message);
            await WriteAsync(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unreachable while serving {Method} {Path}: {Reason}; answered 503")]
    private partial void LogOutage(string method, PathString path, string reason);

    /// <summary>
    /// A lost or refused connection, a timeout, or the server saying it cannot take connections now; not an
    /// error in a statement (a unique violation is a conflict, a bad query is ours).
    /// </summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.QueryCanceled;
                case NpgsqlException:
                case SocketException:
                case TimeoutException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsOutage):
                    return true;
                default:
                    break;
            }
        }

        return false;
    }

    public static Task WriteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        if (ApiErrors.IsApi(context) || !AcceptsHtml(context.Request))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: Title,
                detail: $"The portal cannot reach its database right now. Nothing was changed; try again in {RetryAfterSeconds} seconds.").ExecuteAsync(context);
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(Page, context.RequestAborted);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.Headers.Accept.Count == 0 || request.Headers.Accept.Any(a => a is not null && (a.Contains("text/html", StringComparison.Ordinal) || a.Contains("*/*", StringComparison.Ordinal)));

    /// <summary>Self-contained (the stylesheet is a static file): it must render with the database gone.</summary>
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <meta http-equiv="refresh" content="15" />
            <title>Back in a moment</title>
            <link rel="stylesheet" href="/lib/bootstrap/css/bootstrap.min.css" />
            <link rel="stylesheet" href="/css/site.css" />
        </head>
        <body class="container py-5">
            <h1 class="h3" id="outage">Back in a moment</h1>
            <p>The portal cannot reach its database right now, so it cannot show or save anything.
               Nothing you submitted was half-applied: changes are saved whole or not at all.</p>
            <p>This page tries again by itself every few seconds.</p>
        </body>
        </html>
        """;
}
