using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

/// <summary>
/// One headless Chromium (Debian's, never a downloaded one) per test class; each test opens its own
/// <see cref="IBrowserContext"/>, so cookies and virtual authenticators never leak between tests.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const float TimeoutMs = 30_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(TimeoutMs);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = TestEnvironment.Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                // Trust the portal's throw-away certificate, and only it: pages load as a clean HTTPS site.
                "--ignore-certificate-errors-spki-list=" + LocalhostCertificate.SpkiSha256,
            ],
        });
    }

    /// <summary>A fresh context (no cookies) whose relative URLs resolve against the portal, and its one page.</summary>
    public async Task<IPage> NewPageAsync(BrowserPortalFactory portal)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.Address.ToString() });
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);
        page.SetDefaultNavigationTimeout(TimeoutMs);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
