using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The live incident pages in a real Chromium: a report made in one browser reaches the public status page
/// through the SignalR group as server-rendered fragments morphed in place, and the commander's console
/// through its circuit, all the way to quorum; and the docs' screenshots of the public page.
/// </summary>
public sealed class LiveIncidentBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const int ReadyForQuorum = 17;

    [Fact]
    public async Task A_report_made_in_one_browser_appears_in_another_without_a_reload_up_to_quorum()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var (operatorKey, operatorValidator) = Assert.Single(await ValidatorsInAsync(["Pending"], limit: 1));
        var @operator = await TestUsers.CreateAsync(Portal, [Roles.Operator], [operatorValidator]);

        // A: someone watches the public status page, without signing in.
        var watching = await NewPageAsync();
        await OpenLiveAsync(watching);
        var before = long.Parse(await watching.Locator("#incident-revision").InnerTextAsync(), CultureInfo.InvariantCulture);
        await Expect(Row(watching, operatorKey)).ToHaveAttributeAsync("data-state", "pending");
        await Expect(watching.Locator("#stake-chart .stake-marker[data-kind=quorum]")).ToHaveCountAsync(0);

        // C: the commander has the console open.
        var console = await OpenConsoleAsync(commander, IncidentPath);
        await console.EvaluateAsync("() => { window.__noReload = 1; }");
        await Expect(console.Locator("#quorum-reached")).ToHaveCountAsync(0);

        // B: the operator reports through the console's form.
        var reporting = await OpenConsoleAsync(@operator, IncidentPath);
        await reporting.Locator("#report-validator").SelectOptionAsync(operatorKey);
        await reporting.Locator("#report-state").SelectOptionAsync(new SelectOptionValue { Label = "ready" });
        await reporting.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(reporting.Locator("#report-message")).ToHaveTextAsync($"Recorded: {operatorKey} is ready.");

        // A shows it, in place, without the operator's name.
        var afterReport = await RevisionAsync();
        Assert.True(afterReport > before, $"the report should have moved the revision on from {before}");
        await Expect(Row(watching, operatorKey)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        await Expect(Row(watching, operatorKey).Locator("td").Nth(1).Locator(".badge")).ToHaveTextAsync("ready");
        await Expect(watching.Locator("#incident-revision")).ToHaveTextAsync(Text(afterReport), new() { Timeout = LiveTimeoutMs });
        await Expect(Row(watching, operatorKey)).Not.ToContainTextAsync(@operator.UserName);
        await ExpectNotReloadedAsync(watching);

        // The rest of the way to quorum through the API, as the commander.
        using var api = ApiClient(commander.Token);
        var ready = await ReadyCountAsync();
        Assert.True(ready < ReadyForQuorum, $"the demo should not be at quorum yet ({ready} ready)");
        await Expect(watching.Locator("#quorum-reached")).ToHaveCountAsync(0);
        var others = await ValidatorsInAsync(["Upgraded", "Downloading", "Acknowledged", "Pending"], limit: ReadyForQuorum - ready);
        Assert.Equal(ReadyForQuorum - ready, others.Count);
        foreach (var (key, _) in others)
        {
            await ReportAsync(api, key, "ready");
        }

        Assert.Equal(ReadyForQuorum, await ReadyCountAsync());
        await Expect(watching.Locator("#quorum-reached")).ToHaveTextAsync("Quorum reached", new() { Timeout = LiveTimeoutMs });
        await Expect(watching.Locator("#incident-status")).ToHaveTextAsync("quorum reached", new() { Timeout = LiveTimeoutMs });
        await Expect(watching.Locator("#quorum-needed")).ToHaveCountAsync(0);
        await Expect(watching.Locator("#incident-revision")).ToHaveTextAsync(Text(await RevisionAsync()), new() { Timeout = LiveTimeoutMs });
        foreach (var (key, _) in others)
        {
            await Expect(Row(watching, key)).ToHaveAttributeAsync("data-state", "ready");
        }

        await Expect(watching.Locator("#validators tbody tr[data-state=ready]")).ToHaveCountAsync(ReadyForQuorum);
        await Expect(watching.Locator("#quorum-caption")).ToContainTextAsync($"{ReadyForQuorum} of 24");
        await Expect(watching).ToHaveTitleAsync(new Regex(" — quorum reached$"));
        // The stake chart, drawn without quorum when the page opened, took the quorum marker with the new status.
        await Expect(watching.Locator("#stake-chart .stake-marker[data-kind=quorum]")).ToHaveCountAsync(1, new() { Timeout = LiveTimeoutMs });
        await ExpectLiveAsync(watching);
        await ExpectNotReloadedAsync(watching);

        // C followed in its circuit: quorum, the new status and the figures, without a reload.
        await Expect(console.Locator("#quorum-reached")).ToHaveTextAsync("Quorum reached", new() { Timeout = LiveTimeoutMs });
        await Expect(console.Locator("#incident-status")).ToHaveTextAsync("quorum reached", new() { Timeout = LiveTimeoutMs });
        await Expect(console.Locator("#ready-figure")).ToContainTextAsync($"{ReadyForQuorum} of 24");
        await Expect(console.Locator("#incident-revision")).ToHaveTextAsync(Text(await RevisionAsync()), new() { Timeout = LiveTimeoutMs });
        await Expect(console.Locator("#moves button")).ToHaveTextAsync(["Move to resumed…", "Move to closed…"]);
        await ExpectNotReloadedAsync(console);

        await ScreenshotsAsync(watching);
    }

    /// <summary>
    /// The public page at desktop and phone widths must fit the viewport; with PORTAL_SCREENSHOTS=1 the
    /// full-length pages are saved to docs/ (otherwise to the temp folder, so a test run changes no tracked file).
    /// </summary>
    private async Task ScreenshotsAsync(IPage desktop)
    {
        var docs = Environment.GetEnvironmentVariable("PORTAL_SCREENSHOTS") == "1"
            ? Path.Combine(TestEnvironment.RepositoryRoot, "docs")
            : Path.Combine(Path.GetTempPath(), "portal-screenshots");
        Directory.CreateDirectory(docs);

        await desktop.SetViewportSizeAsync(1280, 900);
        await ExpectFitsTheViewportAsync(desktop);
        await desktop.ScreenshotAsync(new() { Path = Path.Combine(docs, "incident.png"), FullPage = true });

        await using var phoneContext = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.Address.ToString(),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 1,
            IsMobile = true,
            HasTouch = true,
        });
        phoneContext.SetDefaultTimeout(ChromiumFixture.TimeoutMs);
        var phone = await phoneContext.NewPageAsync();
        await OpenLiveAsync(phone);
        await Expect(phone.Locator("#quorum-reached")).ToBeVisibleAsync();
        await ExpectFitsTheViewportAsync(phone);
        await phone.ScreenshotAsync(new() { Path = Path.Combine(docs, "incident-phone.png"), FullPage = true });
    }
}

/// <summary>
/// The live incident page when its connection fails: it knows it is not live, reconnects, subscribes again
/// and catches up on what it missed, without a reload and without showing anything older than it had.
/// A class of its own (so a portal and incident of its own): these tests need validators that are not ready,
/// which the quorum test above uses up.
/// </summary>
public sealed class LiveIncidentReconnectBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task A_page_cut_off_from_the_hub_catches_up_on_what_it_missed_once_it_reconnects()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var moved = await ValidatorsInAsync(["Pending", "Acknowledged", "Downloading", "Upgraded"], limit: 3);
        Assert.Equal(3, moved.Count);

        var page = await NewPageAsync();
        await OpenLiveAsync(page);
        // A second watcher, left connected: once it shows the changes, the cut-off page has had every chance to.
        var control = await NewPageAsync();
        await OpenLiveAsync(control);

        var shownBefore = await page.Locator("#incident-revision").InnerTextAsync();
        var statesBefore = new List<string>();
        foreach (var (key, _) in moved)
        {
            statesBefore.Add((await Row(page, key).GetAttributeAsync("data-state"))!);
        }

        Assert.DoesNotContain("ready", statesBefore);

        var attempts = await CutOffAsync(page);
        await Expect(page.Locator("#live-status")).Not.ToHaveTextAsync("Live");

        using var api = ApiClient(commander.Token);
        foreach (var (key, _) in moved)
        {
            await ReportAsync(api, key, "ready");
        }

        var revision = await RevisionAsync();
        foreach (var (key, _) in moved)
        {
            await Expect(Row(control, key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        }

        await Expect(control.Locator("#incident-revision")).ToHaveTextAsync(Text(revision), new() { Timeout = LiveTimeoutMs });

        // The cut-off page has not seen any of it, and knows it is not live.
        for (var i = 0; i < moved.Count; i++)
        {
            await Expect(Row(page, moved[i].Key)).ToHaveAttributeAsync("data-state", statesBefore[i]);
        }

        await Expect(page.Locator("#incident-revision")).ToHaveTextAsync(shownBefore);
        await Expect(page.Locator("#live-status")).Not.ToHaveAttributeAsync("data-state", "live");
        Assert.True(attempts() > 0, "the page should have tried the hub while it was cut off");

        // Let it through: it reconnects, sees a newer revision, re-reads the page and morphs it in.
        await page.UnrouteAsync("**/hubs/**");

        await ExpectLiveAsync(page, ReconnectTimeoutMs);
        foreach (var (key, _) in moved)
        {
            await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        }

        await Expect(page.Locator("#incident-revision")).ToHaveTextAsync(Text(revision), new() { Timeout = LiveTimeoutMs });
        Assert.Equal(revision, await page.EvaluateAsync<long>("() => window.portalLive.revision"));
        Assert.Equal(Text(revision), await page.Locator("#incident").GetAttributeAsync("data-revision"));
        await ExpectNotReloadedAsync(page);
    }

    [Fact]
    public async Task A_catch_up_read_older_than_the_fragments_already_shown_does_not_roll_the_page_back()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var moved = await ValidatorsInAsync(["Pending", "Acknowledged", "Downloading", "Upgraded"], limit: 3);
        Assert.Equal(3, moved.Count);
        var (missed, during, after) = (moved[0].Key, moved[1].Key, moved[2].Key);
        using var api = ApiClient(commander.Token);

        var page = await NewPageAsync();
        await OpenLiveAsync(page);
        await CutOffAsync(page);

        // Missed while cut off: the page will need to re-read itself.
        await ReportAsync(api, missed, "ready");

        // Hold the page's catch-up read with the server's answer of that moment (the page is public, so an
        // anonymous read is what the page itself would get): the next change, delivered live meanwhile,
        // makes that answer out of date by the time the page gets it.
        using var anonymous = ApiClient(token: null);
        var held = new TaskCompletionSource<IRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = 0;
        await page.RouteAsync(url => new Uri(url).AbsolutePath == StatusPath, async route =>
        {
            if (route.Request.ResourceType != "fetch" || Interlocked.Increment(ref reads) > 1)
            {
                await route.ContinueAsync();
                return;
            }

            var answer = await anonymous.GetStringAsync(StatusPath.TrimStart('/'));
            held.SetResult(route.Request);
            await release.Task;
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html; charset=utf-8", Body = answer });
        });
        await page.UnrouteAsync("**/hubs/**");
        await ExpectLiveAsync(page, ReconnectTimeoutMs);
        var catchUpRead = await held.Task.WaitAsync(TimeSpan.FromMilliseconds(LiveTimeoutMs));

        await ReportAsync(api, during, "ready");
        await Expect(Row(page, during)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });

        // Now the old answer arrives; then one more change, so the page has surely dealt with the answer.
        await page.RunAndWaitForRequestFinishedAsync(() =>
        {
            release.SetResult();
            return Task.CompletedTask;
        }, new() { Predicate = request => request == catchUpRead });
        await ReportAsync(api, after, "ready");
        await Expect(Row(page, after)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });

        foreach (var key in new[] { missed, during, after })
        {
            await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        }

        var revision = await RevisionAsync();
        await Expect(page.Locator("#incident-revision")).ToHaveTextAsync(Text(revision), new() { Timeout = LiveTimeoutMs });
        Assert.Equal(revision, await page.EvaluateAsync<long>("() => window.portalLive.revision"));
        await ExpectNotReloadedAsync(page);
    }

    [Fact]
    public async Task A_filtered_page_catches_up_on_a_row_that_no_longer_matches_its_filter()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var (key, _) = Assert.Single(await ValidatorsInAsync(["Pending"], limit: 1));
        using var api = ApiClient(commander.Token);

        // The watcher looks at the pending validators only: the row is there, pending.
        var page = await NewPageAsync();
        await OpenLiveAsync(page, "?state=pending&sort=name");
        await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "pending");

        await CutOffAsync(page);
        await ReportAsync(api, key, "ready");
        await page.UnrouteAsync("**/hubs/**");
        await ExpectLiveAsync(page, ReconnectTimeoutMs);

        // The row the watcher still has in front of them must not keep claiming "pending".
        await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        await Expect(page.Locator("#incident-revision")).ToHaveTextAsync(Text(await RevisionAsync()), new() { Timeout = LiveTimeoutMs });
        await ExpectNotReloadedAsync(page);
    }

    [Fact]
    public async Task A_refused_subscription_is_tried_again_on_the_first_connection_and_after_a_reconnect()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var moved = await ValidatorsInAsync(["Pending", "Acknowledged", "Downloading", "Upgraded"], limit: 2);
        Assert.Equal(2, moved.Count);
        using var api = ApiClient(commander.Token);

        // Between page and hub: on every WebSocket, the page's first WatchPublic names an incident that does not
        // exist, so the hub refuses it (as it would if it could not read the incident); later ones pass.
        var page = await NewPageAsync();
        var refused = 0;
        var sockets = new List<IWebSocketRoute>();
        await page.RouteWebSocketAsync(new Regex("/hubs/incidents"), socket =>
        {
            var server = socket.ConnectToServer();
            var first = true;
            lock (sockets)
            {
                sockets.Add(socket);
            }

            socket.OnMessage(frame =>
            {
                if (frame.Text is not { } text)
                {
                    server.Send(frame.Binary ?? []);
                    return;
                }

                if (first && text.Contains("\"target\":\"WatchPublic\"", StringComparison.Ordinal))
                {
                    first = false;
                    Interlocked.Increment(ref refused);
                    text = text.Replace(Incident.Id.ToString(), Guid.NewGuid().ToString(), StringComparison.OrdinalIgnoreCase);
                }

                server.Send(text);
            });
        });

        await page.GotoAsync(StatusPath);
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
        await ExpectLiveAsync(page);
        Assert.Equal(1, Volatile.Read(ref refused));
        await ReportAsync(api, moved[0].Key, "ready");
        await Expect(Row(page, moved[0].Key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });

        // The connection drops (as if the server went away); SignalR reconnects by itself, on a new WebSocket.
        IWebSocketRoute current;
        lock (sockets)
        {
            current = Assert.Single(sockets);
        }

        await current.CloseAsync(new() { Code = 1011, Reason = "going away" });
        await Expect(page.Locator("#live-status")).Not.ToHaveAttributeAsync("data-state", "live");
        await ExpectLiveAsync(page, ReconnectTimeoutMs);
        Assert.Equal(2, Volatile.Read(ref refused));
        await ReportAsync(api, moved[1].Key, "ready");
        await Expect(Row(page, moved[1].Key)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = LiveTimeoutMs });
        await Expect(page.Locator("#incident-revision")).ToHaveTextAsync(Text(await RevisionAsync()), new() { Timeout = LiveTimeoutMs });
        await ExpectNotReloadedAsync(page);
    }
}
