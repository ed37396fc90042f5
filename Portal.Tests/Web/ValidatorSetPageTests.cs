using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>The commander's paste-a-set page, used as a browser without JavaScript would.</summary>
public sealed class ValidatorSetPageTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private async Task<(HttpClient Client, DemoIncident Incident)> CommanderAsync()
    {
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, commander.UserName, commander.Password);
        return (client, await DemoIncident.LoadAsync(portal));
    }

    [Fact]
    public async Task A_pasted_set_with_bad_rows_names_each_and_imports_nothing()
    {
        var (client, incident) = await CommanderAsync();
        var revision = await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incident.Id}'");

        var response = await FormPost.SubmitAsync(client, $"/incidents/{incident.Id}/validator-set", "validator-set", new Dictionary<string, string>
        {
            ["Input.Height"] = "1724747",
            ["Input.Text"] = "key,name,stake,timeZone\nv1,One,100,Asia/Taipei\nv1,Again,5,UTC\nv3,Three,-2,Nowhere/Land\n",
        });
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("3 problem(s); nothing was imported", html, StringComparison.Ordinal);
        Assert.Contains("Row 2 (v1): Duplicate key: already in row 1.", html, StringComparison.Ordinal);
        Assert.Contains("Row 3 (v3): Stake cannot be negative.", html, StringComparison.Ordinal);
        Assert.Contains("Row 3 (v3): Unknown time zone 'Nowhere/Land'", html, StringComparison.Ordinal);
        Assert.Equal(revision, await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incident.Id}'"));
        Assert.Equal(24L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{incident.Id}'"));
    }

    [Fact]
    public async Task Replacing_the_set_keeps_the_states_of_validators_still_present_and_is_recorded()
    {
        var (client, incident) = await CommanderAsync();
        var readyKey = await portal.Database.ScalarAsync<string>(
            $"SELECT v.key FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id WHERE iv.incident_id = '{incident.Id}' AND iv.state = 'Ready' LIMIT 1");
        var csv = "key,name,stake\n" + string.Join('\n', incident.Keys.Take(20).Append(readyKey!).Distinct().Select((k, i) => $"{k},Seat {i},{(i + 1) * 1000}"));

        var response = await FormPost.SubmitAsync(client, $"/incidents/{incident.Id}/validator-set", "validator-set", new Dictionary<string, string>
        {
            ["Input.Height"] = "1724800",
            ["Input.Text"] = csv,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("Ready", await portal.Database.ScalarAsync<string>(
            $"SELECT iv.state FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{incident.Id}' AND v.key = '{readyKey}'"));
        Assert.Equal(1724800L, await portal.Database.ScalarAsync<long>($"SELECT set_height FROM incidents WHERE id = '{incident.Id}'"));
        Assert.Contains("Validator set replaced at block 1724800", await portal.Database.ScalarAsync<string>(
            $"SELECT summary FROM timeline_events WHERE incident_id = '{incident.Id}' AND kind = 'validator-set' ORDER BY id DESC LIMIT 1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operators_cannot_open_the_page()
    {
        var op = await TestUsers.CreateAsync(portal, ["operator"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, op.UserName, op.Password);
        var incident = await DemoIncident.LoadAsync(portal);

        var response = await client.GetAsync(new Uri($"/incidents/{incident.Id}/validator-set", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/denied", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }
}
