using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>Many reports for one incident at once: applied in batches, each once, in one linear history.</summary>
public sealed class ReportBatchingTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Two_hundred_concurrent_reports_and_their_retries_all_apply_exactly_once_with_an_intact_hash_chain()
    {
        var api = portal.CreateApiClient();
        var network = await (await api.PostAsJsonAsync(new Uri("/api/v1/networks", UriKind.Relative), new { name = "Batch", chainId = "batch-" + Guid.NewGuid().ToString("N")[..8] })).Content.ReadFromJsonAsync<JsonElement>();
        var incident = await (await api.PostAsJsonAsync(new Uri("/api/v1/incidents", UriKind.Relative), new { networkId = network.GetProperty("id").GetGuid(), title = "Batch", haltHeight = 10 })).Content.ReadFromJsonAsync<JsonElement>();
        var id = incident.GetProperty("id").GetGuid();
        var keys = Enumerable.Range(0, 200).Select(i => $"val{i:D3}").ToList();
        var set = await api.PutAsJsonAsync(new Uri($"/api/v1/incidents/{id}/validator-set", UriKind.Relative),
            new { height = 10, validators = keys.Select(k => new { key = k, name = k, stake = "1000000000000000000" }) });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var revisionBefore = await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{id}'");

        // Each report is sent twice at once with the same key, as a script retrying a slow answer would.
        var sends = keys.SelectMany(k => new[] { k, k }).Select(async key =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/validators/{key}/status")
            {
                Content = JsonContent.Create(new { state = "ready", version = "v2" }),
            };
            request.Headers.Add("Idempotency-Key", "ready-" + key);
            var response = await api.SendAsync(request);
            return (key, response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        });
        var results = await Task.WhenAll(sends);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(results.GroupBy(r => r.key), g => Assert.Single(g.Select(r => r.Body.GetProperty("updatedAt").GetString()).Distinct()));
        Assert.Equal(200L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{id}' AND state = 'Ready'"));
        Assert.Equal(200L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{id}' AND kind = 'validator-status'"));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{id}' AND kind = 'quorum-reached'"));
        Assert.True(await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{id}'") > revisionBefore);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"""
            SELECT count(*) FROM (
              SELECT previous_hash, lag(hash, 1, repeat('0', 64)) OVER (ORDER BY id) AS expected
              FROM timeline_events WHERE incident_id = '{id}') chain
            WHERE previous_hash <> expected
            """));
    }
}
