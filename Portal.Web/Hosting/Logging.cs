using Serilog;
using Serilog.Formatting.Json;

namespace Portal.Web.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog as the only logging provider, writing one JSON object per event to the console (what container
    /// platforms collect). Levels and overrides come from the <c>Serilog</c> configuration section.
    /// </summary>
    public static void AddPortalLogging(this WebApplicationBuilder builder)
    {
        var logger = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(new JsonFormatter(renderMessage: true))
            .CreateLogger();

        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
    }
}
