using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The public status page in a real Chromium: an anonymous watcher sees an operator's report arrive live,
/// without a reload and without the interactive framework's script; the public pages have no serious or
/// critical accessibility violations (axe-core); and the API reference renders under its CSP.
/// </summary>
public sealed class PublicStatusBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task An_anonymous_watcher_sees_a_signed_in_operators_report_arrive_live_without_blazor_script()
    {
        var (key, validatorId) = Assert.Single(await ValidatorsInAsync(["Pending", "Acknowledged"], limit: 1));
        var @operator = await TestUsers.CreateAsync(Portal, [Roles.Operator], [validatorId]);

        var watching = await NewPageAsync();
        var scripts = new List<string>();
        var problems = new List<string>();
        watching.Request += (_, request) => scripts.Add(request.Url);
        watching.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        await watching.GotoAsync(StatusPath);
        await ExpectLiveAsync(watching);
        await watching.EvaluateAsync("() => { window.__noReload = 1; }");
        await Expect(Row(watching, key)).Not.ToHaveAttributeAsync("data-state", "downloading");

        // The operator, signed in elsewhere, reports through the console page's form.
        var reporting = await OpenConsoleAsync(@operator, IncidentPath);
        await reporting.Locator("#report-validator").SelectOptionAsync(key);
        await reporting.Locator("#report-state").SelectOptionAsync(new SelectOptionValue { Label = "downloading" });
        await reporting.Locator("#report-note").FillAsync("Fetching from the mirror " + @operator.UserName);
        await reporting.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(reporting.Locator("#report-message")).ToHaveTextAsync($"Recorded: {key} is downloading.");

        var revision = await RevisionAsync();
        await Expect(Row(watching, key)).ToHaveAttributeAsync("data-state", "downloading", new() { Timeout = LiveTimeoutMs });
        await Expect(watching.Locator("#incident-revision")).ToHaveTextAsync(Text(revision), new() { Timeout = LiveTimeoutMs });
        await ExpectNotReloadedAsync(watching);

        // The note and the operator's name stayed out of the public page, and no interactive framework was loaded.
        var text = await watching.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("Fetching from the mirror", text, StringComparison.Ordinal);
        Assert.DoesNotContain(@operator.UserName, text, StringComparison.Ordinal);
        Assert.DoesNotContain(scripts, url => url.Contains("blazor.web.js", StringComparison.Ordinal) || url.Contains("/_framework/", StringComparison.Ordinal));
        Assert.Contains(scripts, url => url.Contains("/js/incident-live.", StringComparison.Ordinal));
        Assert.Equal(0, await watching.EvaluateAsync<int>("() => typeof window.Blazor === 'undefined' ? 0 : 1"));
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("home")]
    public async Task The_public_pages_have_no_serious_or_critical_accessibility_violations(string which)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(which == "home" ? "/" : StatusPath);
        if (which == "status")
        {
            await ExpectLiveAsync(page);
        }

        var result = await page.RunAxe();

        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(Describe)));
        Assert.NotEmpty(result.Passes);
    }

    [Fact]
    public async Task The_api_reference_renders_the_operations_from_this_origin_under_its_csp()
    {
        var page = await NewPageAsync();
        var problems = new List<string>();
        var foreign = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(Portal.Address.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };

        await page.GotoAsync("/api");

        await Expect(page.GetByText("Report a validator's state").First).ToBeVisibleAsync(new() { Timeout = LiveTimeoutMs });
        Assert.Empty(foreign);
        Assert.DoesNotContain(problems, p => p.Contains("Content Security Policy", StringComparison.Ordinal));
    }

    private static string Describe(AxeResultItem violation) =>
        $"{violation.Id} ({violation.Impact}): {violation.Help} — " + string.Join("; ", violation.Nodes.Take(5).Select(n => string.Join(" ", n.Target?.ToString() ?? "")));
}
