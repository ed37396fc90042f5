using Microsoft.Playwright;
using Portal.Web.Features.Demo;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The public page of the demo, its story played to the end, in Chromium: the stake chart draws without script
/// errors, passes axe at desktop and phone widths, and fits the phone. Screenshots go to the temporary folder
/// (portal-tests/stake-chart-*.png) for a person to look at.
/// </summary>
public sealed class StakeChartBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task The_public_page_draws_the_whole_story_with_its_markers_accessibly(int width, int height)
    {
        await ActivatorUtilities.CreateInstance<DemoTimeLapse>(Portal.Services).PlayAsync(TimeSpan.Zero);
        var page = await NewPageAsync(width, height);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        await page.GotoAsync($"/status/{Incident.Id}");
        var chart = page.Locator("#stake-chart svg");
        await Expect(chart).ToBeVisibleAsync();
        await Expect(page.Locator("#incident-drill")).ToHaveTextAsync("DRILL");
        await Expect(page.Locator("#stake-chart-summary")).ToContainTextAsync("Quorum reached");
        await Expect(page.Locator("#stake-chart g.stake-marker")).ToHaveCountAsync(2);
        var box = await chart.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.Width >= width * 0.8 || box.Width >= 600, $"the chart is {box.Width} px wide at {width} px");
        Assert.True(box.Height > 100, $"the chart is {box.Height} px high");

        await page.AssertAccessibleAsync();
        await ExpectFitsTheViewportAsync(page);
        Assert.Empty(errors);

        var folder = Path.Combine(Path.GetTempPath(), "portal-tests");
        Directory.CreateDirectory(folder);
        await chart.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"stake-chart-{width}.png"), FullPage = false });
        await page.Locator("#stake-chart").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, $"stake-chart-only-{width}.png") });
    }
}
