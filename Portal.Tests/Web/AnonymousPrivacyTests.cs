using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// Anonymous visitors never see validators' contacts, status notes or portal user names: not on the incident
/// page, not on the timeline page, not in the fragments the hub pushes to them. Signed-in users still do.
/// </summary>
public sealed class AnonymousPrivacyTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Note = "Waiting on the datacenter night shift";
    private const string Telegram = "tg:@night_owl_validator";

    private sealed record Seeded(ApiScenario Scenario, TestUser Operator, TestUser Commander, string[] Secrets);

    private async Task<Seeded> SeedAsync()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var row = Rest.Row(scenario.Keys[3], "Validator 03", Rest.CyberMilesStake, "Asia/Tokyo", Telegram);
        var rows = Enumerable.Range(0, 3).Select(i => Rest.Row(scenario.Keys[i], $"Validator {i:00}", Rest.CyberMilesStake, "Asia/Tokyo", $"ops{i}@example.org")).Append(row).ToArray();
        await Rest.OkAsync(await scenario.Admin.PutAsync(Rest.Path($"{scenario.Base}/validator-set"), Rest.Json(new { height = Rest.HaltHeight, validators = rows })));
        var (op, opClient) = await scenario.OperatorAsync(0);
        await Rest.OkAsync(await scenario.ReportAsync(opClient, 0, "blocked", note: Note));
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        await Rest.OkAsync(await scenario.ReportAsync(portal.CreateApiClient(commander.Token), 1, "acknowledged", note: "Called them " + commander.UserName));
        return new Seeded(scenario, op, commander, ["ops0@example.org", "ops1@example.org", "ops2@example.org", Telegram, Note, op.UserName, commander.UserName]);
    }

    [Fact]
    public async Task Anonymous_pages_show_no_contacts_notes_or_user_names_while_signed_in_ones_do()
    {
        var seeded = await SeedAsync();
        var anonymous = portal.CreateHttpsClient();
        var pages = new[] { $"/incidents/{seeded.Scenario.IncidentId}", $"/incidents/{seeded.Scenario.IncidentId}/timeline", $"/status/{seeded.Scenario.IncidentId}", $"/api/v1/public/incidents/{seeded.Scenario.IncidentId}" };

        // The console shows an anonymous visitor nothing of its own: it sends them to the public page.
        var console = await anonymous.GetAsync(Rest.Path(pages[0]));
        Assert.Equal(HttpStatusCode.Found, console.StatusCode);
        Assert.Equal(pages[2], new Uri(new Uri("https://localhost"), console.Headers.Location!).AbsolutePath);
        var redirect = await console.Content.ReadAsStringAsync();
        Assert.DoesNotContain(seeded.Secrets, secret => redirect.Contains(secret, StringComparison.Ordinal));

        foreach (var page in pages[1..])
        {
            var response = await anonymous.GetAsync(Rest.Path(page));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("Validator 00", html, StringComparison.Ordinal);
            foreach (var secret in seeded.Secrets)
            {
                Assert.False(html.Contains(secret, StringComparison.Ordinal), $"{page} shows '{secret}' to an anonymous visitor");
            }
        }

        // The same pages, signed in: the details are there (so the check above is not vacuous).
        var signedIn = portal.CreateHttpsClient();
        await FormPost.SignInAsync(signedIn, seeded.Commander.UserName, seeded.Commander.Password);
        var full = WebUtility.HtmlDecode(await signedIn.GetStringAsync(Rest.Path(pages[0])));
        foreach (var secret in new[] { Note, seeded.Operator.UserName, seeded.Commander.UserName })
        {
            Assert.True(full.Contains(secret, StringComparison.Ordinal), $"a signed-in commander should see '{secret}'");
        }

        // The public status page and its JSON show the public view to everyone, signed in or not.
        foreach (var page in pages[2..])
        {
            var shown = WebUtility.HtmlDecode(await signedIn.GetStringAsync(Rest.Path(page)));
            Assert.Contains("Validator 03", shown, StringComparison.Ordinal);
            foreach (var secret in seeded.Secrets)
            {
                Assert.False(shown.Contains(secret, StringComparison.Ordinal), $"{page} shows '{secret}' to a signed-in commander");
            }
        }

        // Contacts are shown in the wake-up list, for the validators that would close the gap.
        Assert.Contains(seeded.Secrets[..4], contact => full.Contains(contact, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Anonymous_hub_subscribers_receive_no_contacts_notes_or_user_names()
    {
        var seeded = await SeedAsync();
        var scenario = seeded.Scenario;
        await using var anonymous = await HubWatcher.ConnectAsync(portal);
        await using var signedIn = await HubWatcher.ConnectAsync(portal, seeded.Commander.Token);
        // The public status page subscribes for the public fragments even when its visitor is signed in.
        await using var signedInPublic = await HubWatcher.ConnectAsync(portal, seeded.Commander.Token);
        foreach (var hub in new[] { anonymous, signedIn })
        {
            await hub.InvokeAsync("Subscribe", scenario.IncidentId);
            await hub.NextAsync("quorum");
        }

        await signedInPublic.InvokeAsync("SubscribePublic", scenario.IncidentId);
        await signedInPublic.NextAsync("quorum");

        // The pages' own subscription (each change in one message) draws the same line.
        await using var anonymousWatching = await HubWatcher.ConnectAsync(portal);
        await using var signedInWatching = await HubWatcher.ConnectAsync(portal, seeded.Commander.Token);
        await using var signedInWatchingPublic = await HubWatcher.ConnectAsync(portal, seeded.Commander.Token);
        foreach (var (hub, method) in new[] { (anonymousWatching, "Watch"), (signedInWatching, "Watch"), (signedInWatchingPublic, "WatchPublic") })
        {
            await hub.InvokeAsync(method, scenario.IncidentId);
            await hub.NextAsync("quorum");
        }

        // A change that re-renders every row (and the timeline and quorum panel with the wake-up list).
        var (_, opClient) = await scenario.OperatorAsync(0);
        const string fresh = "Second note: disk replaced";
        await Rest.OkAsync(await scenario.ReportAsync(opClient, 0, "blocked", note: fresh));
        var revision = await scenario.RevisionAsync();
        await Rest.OkAsync(await scenario.Admin.PutAsync(Rest.Path($"{scenario.Base}/validator-set"), Rest.Json(new
        {
            height = Rest.HaltHeight,
            validators = Enumerable.Range(0, 3).Select(i => Rest.Row(scenario.Keys[i], $"Validator {i:00}", Rest.CyberMilesStake, "Asia/Tokyo", $"ops{i}@example.org"))
                .Append(Rest.Row(scenario.Keys[3], "Validator 03", Rest.CyberMilesStake, "Asia/Tokyo", Telegram)).ToArray(),
        })));
        var last = await scenario.RevisionAsync();
        Assert.True(last > revision);

        string[] secrets = [.. seeded.Secrets, fresh];
        var anonymousText = await ReceivedUntilAsync(anonymous, last);
        var signedInText = await ReceivedUntilAsync(signedIn, last);
        var publicText = await ReceivedUntilAsync(signedInPublic, last);
        var anonymousWatchingText = await ReceivedUntilAsync(anonymousWatching, last);
        var watchingPublicText = await ReceivedUntilAsync(signedInWatchingPublic, last);
        var watchingText = await ReceivedUntilAsync(signedInWatching, last);
        foreach (var (text, who) in new[] { (anonymousText, "an anonymous subscriber"), (publicText, "a signed-in public-page subscriber"), (anonymousWatchingText, "an anonymous watcher"), (watchingPublicText, "a signed-in public-page watcher") })
        {
            Assert.Contains("validator-" + scenario.Keys[0], text, StringComparison.Ordinal);
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{who} received '{secret}'");
            }
        }

        foreach (var text in new[] { signedInText, watchingText })
        {
            Assert.Contains(fresh, text, StringComparison.Ordinal);
            Assert.Contains(seeded.Secrets[..4], contact => text.Contains(contact, StringComparison.Ordinal));
            Assert.Contains(seeded.Operator.UserName, text, StringComparison.Ordinal);
        }
    }

    /// <summary>Every message up to the quorum document of <paramref name="revision"/>, as one text (fragments' HTML decoded).</summary>
    private static async Task<string> ReceivedUntilAsync(HubWatcher hub, long revision)
    {
        var received = new List<HubMessage>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!received.Any(m => m.Target is "quorum" or "update" && m.Argument.GetProperty("revision").GetInt64() >= revision))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"no quorum document for revision {revision}");
            await Task.Delay(50);
            received.AddRange(hub.Drain());
        }

        static string Fragment(JsonElement f) => f.GetProperty("target").GetString() + " " + WebUtility.HtmlDecode(f.GetProperty("html").GetString());
        return string.Join("\n", received.Select(m => m.Target switch
        {
            "fragment" => Fragment(m.Argument),
            "update" => string.Join("\n", m.Argument.GetProperty("fragments").EnumerateArray().Select(Fragment)) + "\n" + m.Argument.GetProperty("quorum").GetRawText(),
            _ => m.Argument.GetRawText(),
        }));
    }
}
