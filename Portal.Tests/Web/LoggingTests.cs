using Microsoft.Extensions.Logging;
using Portal.Tests.Infrastructure;
using Serilog;

namespace Portal.Tests.Web;

/// <summary>Logging through the framework's logger factory with Serilog as its provider.</summary>
public sealed class LoggingTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public void A_category_s_logger_is_made_once_however_often_it_is_asked_for()
    {
        // The framework asks for loggers for every WebSocket connection; a new one each time stays with the connection.
        var loggers = portal.Services.GetRequiredService<ILoggerFactory>();

        Assert.Same(loggers.CreateLogger("Microsoft.AspNetCore.SignalR.HubConnectionContext"), loggers.CreateLogger("Microsoft.AspNetCore.SignalR.HubConnectionContext"));
    }

    [Fact]
    public async Task Request_logging_has_its_diagnostic_context_and_pages_answer()
    {
        Assert.NotNull(portal.Services.GetRequiredService<IDiagnosticContext>());

        using var response = await portal.CreateClient().GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
