using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The commander's chain panel is in the first document and stays in the circuit, and opening the page reads the
/// chain once: the circuit takes over what the prerender read instead of reading it again. A report made after
/// the page opened reads it afresh.
/// </summary>
public sealed class ChainPanelBrowserTests(ChainPanelBrowserTests.CountingPortal portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<ChainPanelBrowserTests.CountingPortal>, IClassFixture<ChromiumFixture>
{
    /// <summary>The browser portal, counting the reads of the incident chain table (only the chain panel reads it for an unwatched network).</summary>
    public sealed class CountingPortal : BrowserPortalFactory
    {
        public ChainReads Reads { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.ConfigureDbContext<PortalDbContext>(options => options.AddInterceptors(Reads)));
        }
    }

    public sealed class ChainReads : DbCommandInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(command);
            if (command.CommandText.Contains("FROM incident_chains", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    private ChainReads Reads => ((CountingPortal)Portal).Reads;

    [Fact]
    public async Task Opening_the_console_page_reads_the_chain_once_and_a_change_reads_it_again()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var page = await NewPageAsync();
        await SignInAsync(page, commander);
        var reads = Reads.Count;

        await page.GotoAsync(IncidentPath);
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#chain")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        // Prerender and circuit: one read between them.
        Assert.Equal(reads + 1, Reads.Count);

        var (key, _) = Assert.Single(await ValidatorsInAsync(["Pending", "Acknowledged"], limit: 1));
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
        using var api = ApiClient(commander.Token);
        await ReportAsync(api, key, "downloading");
        await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "downloading", new() { Timeout = LiveTimeoutMs });
        await Expect(page.Locator("#chain")).ToBeVisibleAsync();
        await ExpectNotReloadedAsync(page);
        Assert.True(Reads.Count >= reads + 2, "a change should read the chain again");
    }
}
