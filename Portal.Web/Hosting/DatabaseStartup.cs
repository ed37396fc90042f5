using Portal.Data.Migrations;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Demo;
using Portal.Web.Features.Incidents;

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
        var timelineKey = app.Services.GetRequiredService<TimelineKey>();
        if (timelineKey.Problem is not null)
        {
            LogRefused(logger, timelineKey.Problem);
            return false;
        }

        if (timelineKey.IsDevelopmentDefault)
        {
            LogDevelopmentKey(logger, TimelineKey.Setting);
        }

        try
        {
            await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(MigrationScript.Embedded());
        }
        catch (Exception ex) when (ex is MigrationTamperedException or DatabaseRoleException)
        {
            LogRefused(logger, ex.Message);
            return false;
        }

        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().ApplyTokenAsync(app.Configuration["Portal:BootstrapAdminToken"]);
        }
        catch (InvalidOperationException ex)
        {
            LogRefused(logger, ex.Message);
            return false;
        }

        if (app.Configuration.GetValue<bool>("Portal:SeedDemo"))
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        }

        return true;
    }

    /// <summary>Prints how the first admin signs in: an invitation link while no password is set.</summary>
    public static async Task<int> PrintAdminInvitationAsync(this WebApplication app, string origin)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var link = await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().EnsureInvitationAsync();
        await Console.Out.WriteLineAsync(link is null
            ? $"Sign in at {origin.TrimEnd('/')}/account/sign-in as '{BootstrapAdmin.UserName}' with the password you chose."
            : $"First sign-in: open {origin.TrimEnd('/')}{link} to choose the password of '{BootstrapAdmin.UserName}'.");
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not set: timeline anchors are sealed with the public Development key, which protects nothing")]
    private static partial void LogDevelopmentKey(ILogger logger, string setting);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing to start: {Reason:l}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
