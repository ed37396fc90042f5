using Portal.Data.Migrations;
using Portal.Web.Features.Demo;

namespace Portal.Web.Hosting;

public static partial class DatabaseStartup
{
    /// <summary>
    /// Applies pending migrations and, when <c>Portal:SeedDemo</c> is set, seeds the demo network. Returns
    /// false (after logging why) when the portal must not start: an applied migration was edited.
    /// </summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Portal.Startup");
        try
        {
            await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(MigrationScript.Embedded());
        }
        catch (MigrationTamperedException ex)
        {
            LogRefused(logger, ex.Message);
            return false;
        }

        if (app.Configuration.GetValue<bool>("Portal:SeedDemo"))
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing to start: {Reason:l}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
