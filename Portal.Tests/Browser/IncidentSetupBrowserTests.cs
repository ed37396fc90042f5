using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Chain;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// Setting an incident up through the console only, at a desktop and a phone width: a commander declares it
/// (the network picked from a list), imports a pasted set (bad rows named in a preview, nothing saved until
/// fixed and confirmed) or reads it from a CometBFT node; an admin adds a network and edits its rule, unit and
/// chain watch. Axe runs on every page visited.
/// </summary>
public sealed partial class IncidentSetupBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const long Height = 1_724_747;

    private static string NewChainId() => "cmt-" + Guid.NewGuid().ToString("N")[..10];

    private Task<IPage> OpenAsync(TestUser user, string path, int width) =>
        OpenConsoleAsync(user, path, width, width < 600 ? 844 : 900);

    private static async Task<Guid> NetworkAsync(HttpClient admin, string name, string chainId, int decimals = 0, string symbol = "")
    {
        using var response = await admin.PostAsJsonAsync("api/v1/networks", new { name, chainId, decimals, symbol });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> IncidentAsync(HttpClient admin)
    {
        var networkId = await NetworkAsync(admin, "Chain import", NewChainId());
        using var response = await admin.PostAsJsonAsync("api/v1/incidents", new { networkId, title = "CVM crash", haltHeight = Height });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private Task<long> MembersAsync(Guid incidentId) =>
        Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{incidentId}'");

    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task A_commander_declares_an_incident_and_imports_a_pasted_set_after_fixing_the_row_the_preview_names(int width)
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var chainId = NewChainId();
        using var api = ApiClient(admin.Token);
        await NetworkAsync(api, "CyberMiles", chainId, 18, "CMT");
        var page = await OpenAsync(commander, "/incidents/new", width);
        await page.AssertAccessibleAsync();

        // Nothing chosen or typed: each field says what it needs, beside it, and nothing is declared.
        var incidents = await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents");
        await page.Locator("#declare-submit").ClickAsync();
        await Expect(page.Locator("#declare-form")).ToContainTextAsync("Choose the network that halted.");
        await Expect(page.Locator("#declare-form")).ToContainTextAsync("Give the incident a title.");
        await Expect(page.Locator("#declare-form")).ToContainTextAsync("Give the height the chain stopped at.");
        await page.Locator("#declare-title").FillAsync("\u200B\u200B");
        await page.Locator("#declare-submit").ClickAsync();
        await Expect(page.Locator("#declare-form")).ToContainTextAsync("has no visible characters");
        await page.AssertAccessibleAsync();
        Assert.Equal(incidents, await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents"));

        await page.GetByText($"CyberMiles ({chainId})").ClickAsync();
        await page.Locator("#declare-title").FillAsync("CVM crash at block 1,724,747");
        await page.Locator("#declare-height").FillAsync(Height.ToString(CultureInfo.InvariantCulture));
        await page.Locator("#declare-summary").FillAsync("Consensus halted; a hotfix is on its way.");
        await page.Locator("#declare-submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(SetPage());
        var incidentId = Guid.Parse(SetPage().Match(page.Url).Groups[1].Value);
        Assert.Equal(chainId, await Portal.Database.ScalarAsync<string>(
            $"SELECT n.chain_id FROM incidents i JOIN networks n ON n.id = i.network_id WHERE i.id = '{incidentId}'"));
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#set-height")).ToHaveValueAsync(new Regex("1,?724,?747"));
        await page.AssertAccessibleAsync();

        // One row has a negative stake and an unknown zone, one repeats a key: each named, nothing saved, no confirm.
        const string bad = "key,name,stake,timeZone\nv1,One,1000000000000000000000000,Asia/Taipei\nv1,Again,5,UTC\nv3,Three,-2,Nowhere/Land\n";
        await page.Locator("#set-text").FillAsync(bad);
        await page.Locator("#set-preview").ClickAsync();
        var errors = page.Locator("#set-errors");
        await Expect(errors).ToContainTextAsync("3 problem(s)");
        await Expect(errors).ToContainTextAsync("Row 2 (v1): Duplicate key: already in row 1.");
        await Expect(errors).ToContainTextAsync("Row 3 (v3): Stake cannot be negative.");
        await Expect(errors).ToContainTextAsync("Row 3 (v3): Unknown time zone 'Nowhere/Land'");
        await Expect(page.Locator("#set-preview-grid tr.row-bad")).ToHaveCountAsync(2);
        await Expect(page.Locator("#set-preview-grid")).ToContainTextAsync("1,000,000 CMT");
        await Expect(page.Locator("#set-confirm")).ToBeDisabledAsync();
        await page.AssertAccessibleAsync();
        Assert.Equal(0L, await MembersAsync(incidentId));

        // Fixed: the preview is clean, and only now can the set be confirmed.
        await page.Locator("#set-text").FillAsync("key,name,stake,timeZone\nv1,One,1000000000000000000000000,Asia/Taipei\nv2,Two,5,UTC\nv3,Three,2,Asia/Seoul\n");
        await page.Locator("#set-preview").ClickAsync();
        await Expect(page.Locator("#set-errors")).ToHaveCountAsync(0);
        await Expect(page.Locator("#set-preview-grid tr.row-bad")).ToHaveCountAsync(0);
        Assert.Equal(0L, await MembersAsync(incidentId));
        await page.Locator("#set-confirm").ClickAsync();
        await Expect(page.Locator("#set-imported")).ToContainTextAsync("Imported 3 validators");
        await Expect(page.Locator("#set-current")).ToContainTextAsync("currently 3 validators");
        await page.AssertAccessibleAsync();
        Assert.Equal(3L, await MembersAsync(incidentId));
        Assert.Equal(Height, await Portal.Database.ScalarAsync<long>($"SELECT set_height FROM incidents WHERE id = '{incidentId}'"));
        await ExpectFitsTheViewportAsync(page);
    }

    [Fact]
    public async Task Replacing_the_set_from_a_file_keeps_the_states_of_validators_still_present_and_is_recorded()
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var readyKey = await Portal.Database.ScalarAsync<string>(
            $"SELECT v.key FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id WHERE iv.incident_id = '{Incident.Id}' AND iv.state = 'Ready' LIMIT 1");
        var csv = "key,name,stake\n" + string.Join('\n', Incident.Keys.Take(20).Append(readyKey!).Distinct().Select((k, i) => $"{k},Seat {i},{(i + 1) * 1000}"));
        var page = await OpenAsync(commander, $"/incidents/{Incident.Id}/validator-set", 1280);

        await page.Locator("#set-height").FillAsync("1724800");
        await page.Locator("#set-file").SetInputFilesAsync(new FilePayload { Name = "set.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await Expect(page.Locator("#set-preview-grid")).ToContainTextAsync("Seat 0");
        await Expect(page.Locator("#set-confirm")).ToBeEnabledAsync();
        await page.AssertAccessibleAsync();
        await page.Locator("#set-confirm").ClickAsync();
        await Expect(page.Locator("#set-imported")).ToContainTextAsync("at block 1,724,800");

        Assert.Equal("Ready", await Portal.Database.ScalarAsync<string>(
            $"SELECT iv.state FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{Incident.Id}' AND v.key = '{readyKey}'"));
        Assert.Equal(1724800L, await Portal.Database.ScalarAsync<long>($"SELECT set_height FROM incidents WHERE id = '{Incident.Id}'"));
        Assert.Contains("Validator set replaced at block 1724800", await Portal.Database.ScalarAsync<string>(
            $"SELECT summary FROM timeline_events WHERE incident_id = '{Incident.Id}' AND kind = 'validator-set' ORDER BY id DESC LIMIT 1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task A_commander_reads_the_set_from_a_CometBFT_node_after_a_clear_error_and_sees_it_working(int width)
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        using var api = ApiClient(admin.Token);
        var incidentId = await IncidentAsync(api);
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(RpcShapes.Set(Guid.NewGuid().ToString("N"), 7), Height, total: 9));
        var page = await OpenAsync(commander, $"/incidents/{incidentId}/validator-set", width);
        await page.AssertAccessibleAsync();

        // A URL that is not one is refused beside the field, before any request.
        await page.Locator("#chain-rpc").FillAsync("ftp://10.0.0.5");
        await page.Locator("#chain-import-submit").ClickAsync();
        await Expect(page.Locator("#chain-import")).ToContainTextAsync("http:// or https://");
        Assert.Empty(rpc.Requests);

        // The node claims 9 validators but serves 7: said plainly, nothing imported.
        await page.Locator("#chain-rpc").FillAsync(rpc.Url.ToString());
        await page.Locator("#chain-import-submit").ClickAsync();
        await Expect(page.Locator("#chain-import-error")).ToContainTextAsync("Nothing was imported.");
        await Expect(page.Locator("#chain-import-error")).ToContainTextAsync(new Regex("Page \\d is empty"));
        await page.AssertAccessibleAsync();
        Assert.Equal(0L, await MembersAsync(incidentId));

        // A slow, honest node: the page shows it is reading, then what it imported.
        var good = RpcShapes.ServeValidators(RpcShapes.Set("browser", 7), Height);
        rpc.Handler = async (http, request) =>
        {
            await Task.Delay(1500);
            await good(http, request);
        };
        await page.Locator("#chain-import-submit").ClickAsync();
        await Expect(page.Locator("#chain-import-progress")).ToBeVisibleAsync();
        await Expect(page.Locator("#set-imported")).ToContainTextAsync("Imported 7 validators from the node");
        await Expect(page.Locator("#chain-import-progress")).ToHaveCountAsync(0);
        await Expect(page.Locator("#chain-import-error")).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
        Assert.Equal(7L, await MembersAsync(incidentId));
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task An_admin_adds_a_network_and_edits_its_rule_unit_and_chain_watch(int width)
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var page = await OpenAsync(admin, "/networks", width);
        await page.AssertAccessibleAsync();
        await page.Locator("#add-network").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/networks/new$"));
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await page.AssertAccessibleAsync();

        // Hostile text is refused beside its field, and nothing is saved (the API's text rule).
        var networks = await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks");
        var chainId = NewChainId();
        await page.Locator("#network-name").FillAsync("\u200B\u200B");
        await page.Locator("#network-chain").FillAsync(chainId);
        await page.Locator("#network-submit").ClickAsync();
        await Expect(page.Locator("#network-form")).ToContainTextAsync("has no visible characters");
        await page.Locator("#network-name").FillAsync("Cyber\u0001Miles");
        await page.Locator("#network-submit").ClickAsync();
        await Expect(page.Locator("#network-form")).ToContainTextAsync("must not contain control characters");
        await page.Locator("#unit-symbol").FillAsync("C MT");
        await page.Locator("#network-submit").ClickAsync();
        await Expect(page.Locator("#network-form")).ToContainTextAsync("one word");
        await page.AssertAccessibleAsync();
        Assert.Equal(networks, await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks"));

        await page.Locator("#network-name").FillAsync("CyberMiles");
        await page.Locator("#unit-symbol").FillAsync("");
        // The fields take their value on change (blur): once their errors are gone the circuit has the new values,
        // and the submit that follows cannot overtake them.
        await page.Locator("#unit-symbol").PressAsync("Tab");
        await Expect(page.Locator("#network-form")).Not.ToContainTextAsync("one word");
        await Expect(page.Locator("#network-form")).Not.ToContainTextAsync("must not contain control characters");
        await page.Locator("#network-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/networks/[0-9a-f-]{36}$"));
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#network-unit")).ToHaveTextAsync("base units");
        await page.AssertAccessibleAsync();
        var networkId = await Portal.Database.ScalarAsync<Guid>($"SELECT id FROM networks WHERE chain_id = '{chainId}'");

        // The unit and rule: 18 and CMT, a simple majority by count.
        await page.Locator("#unit-decimals").FillAsync("18");
        await page.Locator("#unit-symbol").FillAsync("CMT");
        await page.Locator("#q-num").FillAsync("1");
        await page.Locator("#q-den").FillAsync("2");
        await page.GetByText("One validator, one vote").ClickAsync();
        await page.Locator("#network-submit").ClickAsync();
        await Expect(page.Locator("#network-saved")).ToBeVisibleAsync();
        await Expect(page.Locator("#network-unit")).ToHaveTextAsync("CMT, 18 decimals");
        await Expect(page.Locator("#network-rule")).ToHaveTextAsync("more than 1/2 of validators");
        Assert.Equal("18|CMT|1|2|Count", await Portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', unit_decimals, unit_symbol, quorum_numerator, quorum_denominator, quorum_weighting) FROM networks WHERE id = '{networkId}'"));

        // The chain watch: a bad URL named, then two URLs, a poll interval and auto-resume saved.
        await page.Locator("#chain-urls").FillAsync("http://127.0.0.1:1/\nnot a url");
        await page.Locator("#chain-submit").ClickAsync();
        await Expect(page.Locator("#chain-settings")).ToContainTextAsync("Line 2:");
        Assert.Equal(0L, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM network_chains WHERE network_id = '{networkId}'"));
        await page.Locator("#chain-urls").FillAsync("http://127.0.0.1:1/\nhttp://127.0.0.1:2/");
        await page.Locator("#chain-poll").FillAsync("30");
        await page.GetByText("Record the chain resuming by itself").ClickAsync();
        await page.Locator("#chain-submit").ClickAsync();
        await Expect(page.Locator("#chain-saved")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        Assert.Equal("2|30|t", await Portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', jsonb_array_length(rpc_urls), poll_seconds, auto_resume) FROM network_chains WHERE network_id = '{networkId}'"));

        await page.Locator("#console").GetByRole(AriaRole.Link, new() { Name = "all networks" }).ClickAsync();
        await Expect(page.Locator($"#networks tr[data-network='{networkId}'] .unit")).ToHaveTextAsync("CMT, 18 decimals");
        await ExpectFitsTheViewportAsync(page);
    }

    [GeneratedRegex("/incidents/([0-9a-f-]{36})/validator-set$")]
    private static partial Regex SetPage();
}
