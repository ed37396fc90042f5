using Serilog;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Formatting.Json;

namespace Portal.Web.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog as the only logging provider, writing one JSON object per event to the console (what container
    /// platforms collect). Levels and overrides come from the <c>Serilog</c> configuration section.
    /// Serilog is plugged in as a provider of the framework's logger factory, which keeps one logger per category:
    /// Serilog's own factory (what <c>services.AddSerilog</c> registers) builds a new logger, with caches of its
    /// own, on every <c>CreateLogger</c> call, and the framework makes several such calls for each WebSocket
    /// connection: about 1.8 KB more for every idle watcher, for as long as it stays connected.
    /// </summary>
    public static void AddPortalLogging(this WebApplicationBuilder builder)
    {
        var logger = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(new JsonFormatter(renderMessage: true))
            .CreateLogger();

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // Serilog's levels and overrides decide
        builder.Logging.AddSerilog(logger, dispose: true);

        // What request logging enriches (services.AddSerilog would register it).
        var diagnostics = new DiagnosticContext(logger);
        builder.Services.AddSingleton(diagnostics);
        builder.Services.AddSingleton<IDiagnosticContext>(diagnostics);
    }

    /// <summary>
    /// One event per request (method, path, status, elapsed time as properties), in place of the framework's
    /// several per request. Server errors (and requests that threw) log at Error, the rest at Information.
    /// </summary>
    public static IApplicationBuilder UsePortalRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, exception) =>
            exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error : LogEventLevel.Information);
}
