using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Portal.Web.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog as the only logging provider, writing one JSON object per event to the console (what container
    /// platforms collect). Levels and overrides come from the <c>Serilog</c> configuration section.
    /// <c>AddSerilog</c> also registers the diagnostic context that request logging enriches.
    /// </summary>
    public static void AddPortalLogging(this WebApplicationBuilder builder)
    {
        var logger = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(new JsonFormatter(renderMessage: true))
            .CreateLogger();

        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: true);
    }

    /// <summary>
    /// One event per request (method, path, status, elapsed time as properties), in place of the framework's
    /// several per request. Server errors (and requests that threw) log at Error, the rest at Information.
    /// </summary>
    public static IApplicationBuilder UsePortalRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, exception) =>
            exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error : LogEventLevel.Information);
}
