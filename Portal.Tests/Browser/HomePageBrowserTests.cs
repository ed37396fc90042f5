using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>The home page's progress bars draw under the CSP (which blocks inline styles), at the ready share.</summary>
public sealed class HomePageBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task The_quorum_bar_on_the_home_page_is_as_wide_as_the_ready_share()
    {
        var page = await NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        await page.GotoAsync("/");
        var bar = page.Locator("#drills .quorum-summary-bar").First;
        await Expect(bar).ToBeVisibleAsync();
        var ready = await ReadyCountAsync();
        Assert.True(ready is > 0 and < 24, $"the demo should be part-way ({ready} of 24 ready)");

        var track = await bar.BoundingBoxAsync();
        var filled = await bar.Locator("rect").Last.BoundingBoxAsync();

        Assert.NotNull(track);
        Assert.NotNull(filled);
        Assert.True(track.Width > 100, $"the bar is {track.Width} px wide");
        var share = filled.Width / track.Width;
        Assert.InRange(share, ready / 24.0 - 0.01, ready / 24.0 + 0.01);
        Assert.True(track.Height >= 4, $"the bar is {track.Height} px high");
        Assert.Equal(ready * 1000 / 24 / 10, int.Parse(await bar.GetAttributeAsync("aria-valuenow") ?? "-1", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(violations);
    }
}
