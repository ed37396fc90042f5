using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Portal.Bench;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Web;

/// <summary>
/// The benchmark's circuit client (Portal.Bench/CircuitClient.cs) against the in-process portal: it must open a
/// real console circuit as a signed-in user and see the console re-render on a change, or the bench's circuit
/// figures would time nothing.
/// </summary>
public sealed class ConsoleCircuitClientTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly Uri Origin = new("https://localhost");

    private CircuitTransport Transport => new()
    {
        Handler = () => portal.Server.CreateHandler(),
        WebSocket = async (address, cookie, cancellationToken) =>
        {
            var client = portal.Server.CreateWebSocketClient();
            client.ConfigureRequest = request => request.Headers.Cookie = cookie;
            return await client.ConnectAsync(address, cancellationToken);
        },
    };

    private async Task<CookieContainer> SignInAsync(string role)
    {
        var user = await TestUsers.CreateAsync(portal, [role]);
        var cookies = new CookieContainer();
        using var client = new HttpClient(new CookieContainerHandler(cookies) { InnerHandler = portal.Server.CreateHandler() }) { BaseAddress = Origin };
        using var signedIn = await FormPost.SignInAsync(client, user.UserName, user.Password);
        Assert.Contains(cookies.GetAllCookies(), c => c.Name == "portal.auth");
        return cookies;
    }

    [Fact]
    public async Task A_commanders_console_circuit_renders_a_status_change_reported_through_the_api()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var cookies = await SignInAsync("commander");

        await using var circuit = await CircuitClient.StartAsync(new Uri(Origin, $"/incidents/{scenario.IncidentId}"), cookies, Transport);
        var initial = circuit.Batches;
        Assert.True(initial >= 1);

        circuit.Arm();
        using (var reported = await scenario.ReportAsync(scenario.Admin, 0, "acknowledged"))
        {
            reported.EnsureSuccessStatusCode();
        }

        var revision = (await scenario.Admin.GetFromJsonAsync<JsonElement>($"{scenario.Base}/quorum")).GetProperty("revision").GetInt64();
        await circuit.WaitForAsync(CircuitClient.Revision(revision), TimeSpan.FromSeconds(30));
        Assert.True(circuit.Batches > initial);
        Assert.Null(circuit.Error);
    }

    [Fact]
    public async Task Without_a_sign_in_cookie_the_console_gives_no_circuit_to_start()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => CircuitClient.StartAsync(new Uri(Origin, $"/incidents/{scenario.IncidentId}"), new CookieContainer(), Transport));
        Assert.IsNotType<TimeoutException>(refused);
    }
}
