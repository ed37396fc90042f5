using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Data;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Rest = Portal.Tests.Web.Api.Api;
using ApiScenario = Portal.Tests.Web.Api.ApiScenario;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Tests.Web;

/// <summary>
/// The in-memory projection of each instance against a fresh read of the database, on real PostgreSQL: random
/// sequences of reports (single and concurrent bursts), moves and validator-set replacements are sent to two
/// instances at random, and after each step both projections, once they have taken in the step's notices, equal a
/// fresh read in everything the incident shows; the SQL totals the write path uses give the same quorum as
/// <see cref="Quorum.Evaluate"/> over the fresh read.
/// </summary>
public sealed class ProjectionPropertyTests : TwoInstances<PortalFactory>
{
    private static readonly string[] States = ["acknowledged", "downloading", "upgraded", "ready", "blocked", "pending"];
    private static readonly string[] Statuses = ["fixing", "coordinating", "quorumReached", "resumed", "investigating"];

    [Theory]
    [InlineData(1301, 12)]
    [InlineData(1302, 24)]
    [InlineData(1303, 7)]
    public async Task After_every_random_change_from_either_instance_both_projections_equal_a_fresh_read(int seed, int count)
    {
        var random = new Random(seed);
        var stakes = Enumerable.Range(0, count).Select(_ => random.Next(4) == 0 ? "0" : (random.Next(1, 5) * 1_000_000).ToString(CultureInfo.InvariantCulture) + new string('0', random.Next(0, 20))).ToArray();
        var scenario = await ApiScenario.CreateAsync(A, count, stake: i => stakes[i]);
        var instances = new PortalFactory[] { A, B };
        var admins = instances.Select(p => p.CreateApiClient()).ToArray();
        foreach (var portal in instances)
        {
            await Rest.OkAsync(await portal.CreateApiClient().GetAsync(Rest.Path($"{scenario.Base}/quorum")));
        }

        var log = new StringBuilder();
        for (var step = 0; step < 40; step++)
        {
            var roll = random.Next(100);
            if (roll < 65)
            {
                var (seat, state) = (random.Next(count), States[random.Next(States.Length)]);
                log.Append(CultureInfo.InvariantCulture, $"[{step}] report {seat} {state}; ");
                await ReportAsync(scenario, admins[random.Next(2)], seat, state);
            }
            else if (roll < 80)
            {
                var burst = Enumerable.Range(0, 6).Select(_ => (Seat: random.Next(count), State: States[random.Next(States.Length)], Client: admins[random.Next(2)])).ToList();
                log.Append(CultureInfo.InvariantCulture, $"[{step}] burst {string.Join(",", burst.Select(b => $"{b.Seat}:{b.State}"))}; ");
                await Task.WhenAll(burst.Select(b => ReportAsync(scenario, b.Client, b.Seat, b.State)));
            }
            else if (roll < 92)
            {
                var status = Statuses[random.Next(Statuses.Length)];
                log.Append(CultureInfo.InvariantCulture, $"[{step}] move {status}; ");
                var moved = await admins[random.Next(2)].PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status, reason = "property test override" }));
                Assert.True(moved.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"{moved.StatusCode}: {log}");
            }
            else
            {
                // A replaced set: some validators dropped, stakes changed; the notice says "all".
                var kept = Enumerable.Range(0, count).Where(_ => random.Next(5) != 0).ToList();
                log.Append(CultureInfo.InvariantCulture, $"[{step}] replace set keeping {kept.Count}; ");
                var rows = kept.Select(i => Rest.Row(scenario.Keys[i], $"Validator {i:00}", (random.Next(1, 9) * 1000).ToString(CultureInfo.InvariantCulture))).ToArray();
                await Rest.OkAsync(await admins[random.Next(2)].PutAsync(Rest.Path($"{scenario.Base}/validator-set"), Rest.Json(new { height = Rest.HaltHeight, validators = rows })));
            }

            foreach (var portal in instances)
            {
                await AssertProjectionIsFreshAsync(portal, A.Database, scenario.IncidentId, $"seed {seed}, on {(portal == A ? "A" : "B")}: {log}");
            }
        }
    }

    private static async Task ReportAsync(ApiScenario scenario, HttpClient client, int seat, string state)
    {
        var response = await scenario.ReportAsync(client, seat, state, state is "upgraded" or "ready" ? Rest.Hotfix : null, state == "blocked" ? "disk full" : null);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.BadRequest, response.StatusCode.ToString());
    }

    /// <summary>Waits for the instance to take in the notices up to the database's revision, then compares.</summary>
    internal static async Task AssertProjectionIsFreshAsync(PortalFactory portal, TestDatabase database, Guid incidentId, string context)
    {
        var projections = portal.Services.GetRequiredService<IncidentProjections>();
        var revision = await database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incidentId}'");
        for (var attempt = 0; (projections.Covered(incidentId) ?? -1) < revision; attempt++)
        {
            Assert.True(attempt < 400, $"The projection never caught up with revision {revision}: {context}");
            await Task.Delay(25);
        }

        var projected = projections.Peek(incidentId)!;
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var fresh = (await IncidentReader.ReadAsync(db, incidentId, projected.Now))!;
        Assert.True(fresh.Incident.Revision == projected.Incident.Revision, $"Revision moved while comparing: {context}");
        Assert.Equal(Describe(fresh), Describe(projected));

        // The write path's shortcut (per-state sums in SQL) against the one rule over the same rows.
        var totals = Quorum.FromTotals(fresh.Network.Quorum, await IncidentWrites.QuorumTotalsAsync(db, incidentId, default));
        Assert.Equal(Figures(fresh.Quorum), Figures(totals));
    }

    private static string Figures(QuorumEvaluation q) =>
        $"{q.TotalWeight}/{q.ReadyWeight}/{q.UpgradedWeight}/{q.AcknowledgedWeight}/{q.RequiredWeight}/{q.Needed}/{q.Reached}/{q.Counts}";

    /// <summary>Everything a page, fragment, hub message or circuit shows, in one comparable text.</summary>
    internal static string Describe(IncidentView view)
    {
        var text = new StringBuilder();
        var i = view.Incident;
        text.AppendLine(CultureInfo.InvariantCulture, $"{i.Id} r{i.Revision} {i.Status} {i.Title} {i.Summary} set@{i.SetHeight}");
        text.AppendLine(JsonSerializer.Serialize(QuorumDocument.From(i, view.Quorum)));
        text.AppendLine(Figures(view.Quorum));
        text.AppendLine("closing: " + string.Join(",", view.ClosingSet.Select(l => l.Key)));
        foreach (var line in view.Validators)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{line.Key} {line.Name} {line.Stake} {line.State} {line.Version} {line.Note} {line.UpdatedAt:O} {line.UpdatedBy} {line.TimeZone} {line.Contact}");
        }

        text.AppendLine("timeline: " + string.Join(",", view.Timeline.Select(e => e.Hash)));
        text.AppendLine("release: " + view.CurrentRelease?.Id + " of " + string.Join(",", view.Releases.Select(r => $"{r.Id}:{r.Status}")));
        text.AppendLine("snapshots: " + string.Join(",", view.Snapshots.Select(s => $"{s.Id}:{s.Status}")));
        text.AppendLine(CultureInfo.InvariantCulture, $"seen: {string.Join(",", view.SeenVoting.Order())} {view.SeenVotingWeight}");
        return text.ToString();
    }
}

/// <summary>
/// After the LISTEN connection drops, notices sent meanwhile are lost: when it is back, the projection is read
/// afresh and re-broadcast, so a watcher that stayed connected to the hub catches up without any new change.
/// </summary>
public sealed class ProjectionResyncTests : TwoInstances<ProxiedPortalFactory>
{
    [Fact]
    public async Task A_change_made_while_the_listener_was_cut_off_reaches_the_projection_and_watchers_when_it_reconnects()
    {
        var scenario = await ApiScenario.CreateAsync(A, 6);
        await ProjectionPropertyTests.AssertProjectionIsFreshAsync(A, A.Database, scenario.IncidentId, "before");
        await using var watcher = await HubWatcher.ConnectAsync(A);
        await watcher.InvokeAsync("Subscribe", scenario.IncidentId);
        var before = (await watcher.NextAsync("quorum")).GetProperty("revision").GetInt64();
        var projections = A.Services.GetRequiredService<IncidentProjections>();

        A.Proxy.Cut();
        for (var attempt = 0; projections.Covered(scenario.IncidentId) is not null; attempt++)
        {
            Assert.True(attempt < 400, "The listener never noticed the cut.");
            await Task.Delay(25);
        }

        await Rest.OkAsync(await scenario.ReportAsync(B.CreateApiClient(), 0, "acknowledged"));
        var revision = await A.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{scenario.IncidentId}'");
        Assert.True(revision > before);
        A.Proxy.Restore();

        var caughtUp = await watcher.NextAsync("quorum", TimeSpan.FromSeconds(30), q => q.GetProperty("revision").GetInt64() >= revision);
        Assert.Equal(1, caughtUp.GetProperty("validators").GetProperty("acknowledged").GetInt32());
        await ProjectionPropertyTests.AssertProjectionIsFreshAsync(A, A.Database, scenario.IncidentId, "after the reconnect");
    }
}
