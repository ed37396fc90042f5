using System.Diagnostics;

namespace Portal.Web.Hosting;

/// <summary>One log event per request, with method, path, status and elapsed time as structured properties.</summary>
public sealed partial class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (context.Response.StatusCode >= 500)
            {
                LogFailed(context.Request.Method, context.Request.Path, context.Response.StatusCode, elapsed);
            }
            else
            {
                LogCompleted(context.Request.Method, context.Request.Path, context.Response.StatusCode, elapsed);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private partial void LogCompleted(string method, PathString path, int statusCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private partial void LogFailed(string method, PathString path, int statusCode, double elapsedMs);
}
