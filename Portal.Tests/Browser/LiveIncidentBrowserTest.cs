using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Demo;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// What the live incident page's tests share: the seeded CyberMiles incident (24 validators, equal stake, 17
/// ready for quorum) on a <see cref="BrowserPortalFactory"/>, and what a watcher does and checks. Each test
/// marks the window when it opens the page and finds the mark again at the end: the page never reloaded.
/// The tests of one class share the incident, so each picks the validators it moves from the database at the
/// time it runs, in whatever order the tests run.
/// </summary>
public abstract class LiveIncidentBrowserTest : IAsyncLifetime
{
    /// <summary>How long a live change may take to reach a watching page.</summary>
    protected const float LiveTimeoutMs = 15_000;

    /// <summary>
    /// How long a page cut off from the hub may take to come back once let through: the script's jittered
    /// back-off reaches 2–6 s, then 4–12 s, per attempt after a few failures.
    /// </summary>
    protected const float ReconnectTimeoutMs = 30_000;

    private readonly List<IBrowserContext> _contexts = [];
    private DemoIncident? _incident;

    protected LiveIncidentBrowserTest(BrowserPortalFactory portal, ChromiumFixture chromium)
    {
        Portal = portal;
        Chromium = chromium;
    }

    protected BrowserPortalFactory Portal { get; }

    protected ChromiumFixture Chromium { get; }

    protected DemoIncident Incident => _incident ?? throw new InvalidOperationException("Not initialised.");

    protected string IncidentPath => $"/incidents/{Incident.Id}";

    /// <summary>The public status page: static, live through the pushed fragments.</summary>
    protected string StatusPath => $"/status/{Incident.Id}";

    /// <summary>Seeds the demo (the seeder does nothing if it already ran) on the browser portal's database.</summary>
    public async Task InitializeAsync()
    {
        await using (var scope = Portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        }

        _incident = await DemoIncident.LoadAsync(Portal);
    }

    /// <summary>Closes every browser context the test opened through <see cref="NewPageAsync"/>.</summary>
    public virtual async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    /// <summary>
    /// A fresh browser (its own context: no cookies) and its page, at <paramref name="width"/> × <paramref name="height"/>
    /// when given (else Playwright's default); the context is closed when the test ends.
    /// </summary>
    protected async Task<IPage> NewPageAsync(int? width = null, int? height = null)
    {
        var page = await Chromium.NewPageAsync(Portal);
        _contexts.Add(page.Context);
        if (width is { } w && height is { } h)
        {
            await page.SetViewportSizeAsync(w, h);
        }

        return page;
    }

    /// <summary>A fresh browser signed in as <paramref name="user"/> on the console page <paramref name="path"/>, its circuit up.</summary>
    protected async Task<IPage> OpenConsoleAsync(TestUser user, string path, int? width = null, int? height = null)
    {
        var page = await NewPageAsync(width, height);
        await SignInAsync(page, user);
        await page.GotoAsync(path);
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        return page;
    }

    /// <summary>Nothing makes the page scroll sideways (the validator table scrolls inside its own box).</summary>
    protected static async Task ExpectFitsTheViewportAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scrollWidth, innerWidth) = (widths[0], widths[1]);
        Assert.True(scrollWidth <= innerWidth + 1, $"the page is {scrollWidth} px wide in a {innerWidth} px viewport");
    }

    protected static ILocator Row(IPage page, string key) => page.Locator("#validator-" + key);

    protected static string Text(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Signs in with a password. The landing page is checked with <c>ToHaveURLAsync</c>, which polls, not with
    /// <c>WaitForURLAsync</c>, whose check-then-wait for the load event can miss that event and time out
    /// (microsoft/playwright-dotnet#3364; seen here now and then).
    /// </summary>
    protected static async Task SignInAsync(IPage page, TestUser user)
    {
        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, user.UserName, user.Password);
        await Expect(page).ToHaveURLAsync(PortalPages.Landing);
        await PortalPages.ExpectSignedInAsAsync(page, user.UserName);
    }

    /// <summary>Opens the public status page, waits until it has joined the live group, and marks the window.</summary>
    protected async Task OpenLiveAsync(IPage page, string query = "")
    {
        await page.GotoAsync(StatusPath + query);
        await ExpectLiveAsync(page);
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
    }

    /// <summary>
    /// Every request to the hub now fails (negotiate comes first, so no WebSocket is opened either), and the
    /// live connection is closed from the page: the script's onclose starts it again, and it keeps failing
    /// until the test calls <c>page.UnrouteAsync("**/hubs/**")</c>.
    /// </summary>
    /// <returns>How many requests to the hub have been refused so far.</returns>
    protected static async Task<Func<int>> CutOffAsync(IPage page)
    {
        var refused = 0;
        await page.RouteAsync("**/hubs/**", route =>
        {
            Interlocked.Increment(ref refused);
            return route.AbortAsync();
        });
        await page.EvaluateAsync("() => window.portalLive.connection.stop()");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", new Regex("^(connecting|reconnecting)$"));
        return () => Volatile.Read(ref refused);
    }

    protected static async Task ExpectLiveAsync(IPage page, float timeout = LiveTimeoutMs)
    {
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = timeout });
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Live");
    }

    /// <summary>The marker set on the window when the page was opened is still there: the page never reloaded.</summary>
    protected static async Task ExpectNotReloadedAsync(IPage page) =>
        Assert.Equal(1, await page.EvaluateAsync<int?>("() => window.__noReload ?? null"));

    /// <summary>An API client on the portal's real socket, trusting exactly the portal's test certificate.</summary>
    protected HttpClient ApiClient(string? token)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.RawData.AsSpan().SequenceEqual(LocalhostCertificate.Certificate.RawData),
        };
        var client = new HttpClient(handler) { BaseAddress = Portal.Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    protected async Task ReportAsync(HttpClient api, string key, string state)
    {
        // The demo's hotfix is published: upgraded and ready must name it.
        var version = state is "upgraded" or "ready" ? "v0.1.8-beta-hotfix" : null;
        using var response = await api.PostAsJsonAsync($"api/v1/incidents/{Incident.Id}/validators/{key}/status", new { state, version });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"reporting {key} {state}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    protected Task<long> RevisionAsync() =>
        Portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{Incident.Id}'");

    protected async Task<int> ReadyCountAsync() =>
        (int)await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{Incident.Id}' AND state = 'Ready'");

    /// <summary>Up to <paramref name="limit"/> validators of the incident in the given states, in the order of the states given, then by name.</summary>
    protected async Task<IReadOnlyList<(string Key, Guid Id)>> ValidatorsInAsync(string[] states, int limit)
    {
        await using var dataSource = Portal.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "SELECT v.key, v.id FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id " +
            "WHERE iv.incident_id = $1 AND iv.state = ANY($2) ORDER BY array_position($2, iv.state), v.name LIMIT $3");
        command.Parameters.Add(new() { Value = Incident.Id });
        command.Parameters.Add(new() { Value = states });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync();
        var found = new List<(string, Guid)>();
        while (await reader.ReadAsync())
        {
            found.Add((reader.GetString(0), reader.GetGuid(1)));
        }

        return found;
    }
}
