using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>Two portal instances on one PostgreSQL: changes travel between them by LISTEN/NOTIFY only.</summary>
public sealed class MultiInstanceTests : TwoInstances<DemoPortalFactory>
{
    private async Task<string> PendingKeyAsync(Guid incidentId, int skip) =>
        (await A.Database.ScalarAsync<string>(
            $"SELECT v.key FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id WHERE iv.incident_id = '{incidentId}' AND iv.state = 'Pending' ORDER BY v.name OFFSET {skip} LIMIT 1"))!;

    [Fact]
    public async Task A_change_made_on_one_instance_reaches_watchers_on_the_other()
    {
        var incident = await DemoIncident.LoadAsync(A);
        var key = await PendingKeyAsync(incident.Id, 0);
        await using var onA = await HubWatcher.ConnectAsync(A);
        await using var onB = await HubWatcher.ConnectAsync(B);
        await onA.InvokeAsync("Subscribe", incident.Id);
        await onB.InvokeAsync("Subscribe", incident.Id);
        var before = (await onB.NextAsync("quorum")).GetProperty("revision").GetInt64();
        await onA.NextAsync("quorum");

        var response = await A.CreateApiClient().PostAsJsonAsync(new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative), new { state = "downloading" });
        var rowOnB = await onB.NextAsync("fragment", where: f => f.GetProperty("target").GetString() == "validator-" + key);
        var quorumOnB = await onB.NextAsync("quorum", where: q => q.GetProperty("revision").GetInt64() > before);
        var quorumOnA = await onA.NextAsync("quorum", where: q => q.GetProperty("revision").GetInt64() > before);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("downloading", rowOnB.GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.Equal(quorumOnA.GetProperty("revision").GetInt64(), quorumOnB.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task A_report_retried_on_another_instance_after_the_first_went_away_is_applied_exactly_once()
    {
        var incident = await DemoIncident.LoadAsync(A);
        var key = await PendingKeyAsync(incident.Id, 1);
        var uri = new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative);
        using var first = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(new { state = "upgraded", version = "v0.1.8-beta-hotfix" }) };
        first.Headers.Add("Idempotency-Key", "upgrade-" + key);
        var answer = await (await A.CreateApiClient().SendAsync(first)).Content.ReadFromJsonAsync<JsonElement>();

        // Instance A stops (a deploy, a crash) before the script saw the answer; the script retries elsewhere.
        await ((Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>)A).DisposeAsync(); // the host only; the database stays
        using var retry = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(new { state = "upgraded", version = "v0.1.8-beta-hotfix" }) };
        retry.Headers.Add("Idempotency-Key", "upgrade-" + key);
        var replay = await B.CreateApiClient().SendAsync(retry);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(answer.GetProperty("updatedAt").GetString(), replayed.GetProperty("updatedAt").GetString());
        Assert.Equal(1L, await A.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM timeline_events WHERE incident_id = '{incident.Id}' AND kind = 'validator-status' AND summary LIKE '%→ upgraded%' AND summary LIKE '%v0.1.8-beta-hotfix%' AND at >= now() - interval '1 minute'"));
    }

}
