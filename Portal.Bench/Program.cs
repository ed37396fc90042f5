using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portal.Bench;

// ./portal bench starts two portal instances on one PostgreSQL and runs this against them.
var options = Options.Parse(args);
using var http = new HttpClient { BaseAddress = options.A, Timeout = TimeSpan.FromMinutes(2) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
var report = new Report(options);

Console.WriteLine("Setting up a network and an incident with 1,510 validators…");
// 1,510: ten seats serve the one-at-a-time fan-out changes, the other 1,500 report in the burst.
var incident = await Setup.IncidentAsync(http, validators: 1510);
var keys = incident.Keys;

Console.WriteLine("Memory with no watchers…");
await Task.Delay(3000);
var rss0 = Memory.ResidentBytes(options.PidA);

var watchers = new List<Watcher>();
await Connect.ManyAsync(watchers, options.A, incident.Id, 1000);
var fanout1000 = await FanOut.MeasureAsync(http, incident, watchers, options.Rounds, seat: 0);
var bare1000 = await FanOut.BareAsync(http, incident, watchers, options.Rounds, fanout1000.Sizes);
report.FanOut(1000, fanout1000, bare1000);

await Connect.ManyAsync(watchers, options.A, incident.Id, 4000);
await Task.Delay(5000);
var rss5000 = Memory.ResidentBytes(options.PidA);
report.Memory(rss0, rss5000, watchers.Count);
var fanout5000 = await FanOut.MeasureAsync(http, incident, watchers, options.Rounds, seat: 1);
var bare5000 = await FanOut.BareAsync(http, incident, watchers, options.Rounds, fanout5000.Sizes);
report.FanOut(5000, fanout5000, bare5000);

Console.WriteLine("Disconnecting 4,000 watchers…");
foreach (var extra in watchers.Skip(1000).ToList())
{
    await extra.DisposeAsync();
    watchers.Remove(extra);
}

report.Burst(await Burst.RunAsync(http, incident, watchers, [.. keys.Skip(10)], TimeSpan.FromSeconds(10)));

var onB = new List<Watcher>();
await Connect.ManyAsync(onB, options.B, incident.Id, 1000);
report.TwoInstances(await FanOut.MeasureAsync(http, incident, onB, options.Rounds, seat: 2));

foreach (var w in watchers.Concat(onB))
{
    await w.DisposeAsync();
}

var markdown = report.Markdown();
Console.WriteLine();
Console.WriteLine(markdown);
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, markdown);
    Console.WriteLine($"Written to {output}");
}

return 0;

internal sealed record Options(Uri A, Uri B, string Token, int PidA, int PidB, string? Output, int Rounds)
{
    public static Options Parse(string[] args)
    {
        string Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"missing {name}");
        string? Optional(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(new Uri(Value("--a")), new Uri(Value("--b")), Value("--token"), int.Parse(Value("--pid-a"), CultureInfo.InvariantCulture),
            int.Parse(Value("--pid-b"), CultureInfo.InvariantCulture), Optional("--out"), int.Parse(Optional("--rounds") ?? "50", CultureInfo.InvariantCulture));
    }
}

internal sealed record BenchIncident(Guid Id, IReadOnlyList<string> Keys);

internal static class Setup
{
    public static async Task<BenchIncident> IncidentAsync(HttpClient http, int validators)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var network = await PostAsync(http, "/api/v1/networks", new { name = "Bench " + suffix, chainId = "bench-" + suffix, quorum = new { numerator = 2, denominator = 3, strict = true, weighting = "stake" } });
        var incident = await PostAsync(http, "/api/v1/incidents", new { networkId = network.GetProperty("id").GetGuid(), title = "Benchmark halt", haltHeight = 1_000_000 });
        var id = incident.GetProperty("id").GetGuid();
        var random = new Random(42);
        var zones = new[] { "Asia/Taipei", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles" };
        var rows = Enumerable.Range(0, validators).Select(i => new
        {
            key = $"benchvaloper1{i:D6}",
            name = $"Validator {i:D4}",
            // 1 to a million tokens of 10^18 base units, written out as digits (a long would overflow).
            stake = random.NextInt64(1, 1_000_000).ToString(CultureInfo.InvariantCulture) + "000000000000000000",
            timeZone = zones[i % zones.Length],
        }).ToList();
        var response = await http.PutAsJsonAsync($"/api/v1/incidents/{id}/validator-set", new { height = 1_000_000, validators = rows });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"validator set: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return new BenchIncident(id, [.. rows.Select(r => r.key)]);
    }

    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<long> RevisionAsync(HttpClient http, Guid incidentId) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incidentId}/quorum")).GetProperty("revision").GetInt64();
}

internal static class Connect
{
    public static async Task ManyAsync(List<Watcher> into, Uri baseAddress, Guid incidentId, int count)
    {
        Console.WriteLine($"Connecting {count:N0} watchers to {baseAddress}…");
        var hub = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/hubs/incidents" }.Uri;
        var started = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                return await Watcher.ConnectAsync(hub, incidentId, CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        });
        into.AddRange(await Task.WhenAll(tasks));
        Console.WriteLine($"  {into.Count:N0} connected and subscribed ({Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s)");
    }
}

internal sealed record Latencies(List<double> Milliseconds, IReadOnlyList<int> Sizes)
{
    public double P(double percentile)
    {
        var sorted = Milliseconds.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

internal static class FanOut
{
    /// <summary>
    /// Status changes through the API, one at a time: from just before the call to the moment the last watcher
    /// has the quorum document of the new revision (fragments come before it).
    /// </summary>
    public static async Task<Latencies> MeasureAsync(HttpClient http, BenchIncident incident, List<Watcher> watchers, int rounds, int seat)
    {
        Console.WriteLine($"Fan-out to {watchers.Count:N0} watchers, {rounds} changes…");
        var latencies = new List<double>();
        var key = incident.Keys[seat];
        watchers[0].RecordedSizes = [];
        var sizes = new List<int>();
        for (var i = 0; i < rounds; i++)
        {
            var revision = await Setup.RevisionAsync(http, incident.Id);
            await WaitAllAsync(watchers, w => w.Revision >= revision);
            foreach (var w in watchers)
            {
                w.Arm(revision);
            }

            var started = Stopwatch.GetTimestamp();
            var response = await http.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/validators/{key}/status", new { state = i % 2 == 0 ? "upgraded" : "ready" });
            response.EnsureSuccessStatusCode();
            await WaitAllAsync(watchers, w => w.Arrival != 0);
            latencies.Add(watchers.Max(w => Stopwatch.GetElapsedTime(started, w.Arrival).TotalMilliseconds));
            sizes = [.. watchers[0].RecordedSizes!];
        }

        watchers[0].RecordedSizes = null;
        return new Latencies(latencies, sizes);
    }

    /// <summary>The same hub sending messages of the same sizes with no database or rendering work.</summary>
    public static async Task<Latencies> BareAsync(HttpClient http, BenchIncident incident, List<Watcher> watchers, int rounds, IReadOnlyList<int> sizes)
    {
        Console.WriteLine($"Bare hub broadcast to {watchers.Count:N0} watchers, {rounds} rounds of {sizes.Sum():N0} bytes in {sizes.Count} messages…");
        var latencies = new List<double>();
        var padding = sizes.Select(s => Math.Max(0, s - 70)).ToArray(); // envelope and sequence take ~70 bytes
        for (var i = 0; i < rounds; i++)
        {
            var sequence = (long)i + 1 + (Environment.TickCount64 * 1000);
            foreach (var w in watchers)
            {
                w.ArmBench(sequence - 1);
            }

            var started = Stopwatch.GetTimestamp();
            var response = await http.PostAsJsonAsync("/api/v1/bench/broadcast", new { incidentId = incident.Id, sequence, messageSizes = padding });
            response.EnsureSuccessStatusCode();
            await WaitAllAsync(watchers, w => w.BenchArrival != 0);
            latencies.Add(watchers.Max(w => Stopwatch.GetElapsedTime(started, w.BenchArrival).TotalMilliseconds));
        }

        return new Latencies(latencies, sizes);
    }

    public static async Task WaitAllAsync(List<Watcher> watchers, Func<Watcher, bool> done, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds * Stopwatch.Frequency);
        var from = 0;
        while (true)
        {
            while (from < watchers.Count && done(watchers[from]))
            {
                from++;
            }

            if (from == watchers.Count)
            {
                return;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{watchers.Count - from} of {watchers.Count} watchers did not receive the change in time.");
            }

            await Task.Delay(1);
        }
    }
}

internal sealed record BurstResult(int Sent, int Committed, int Failed, Latencies Api, double Seconds, long DatabaseRevision, int WatchersAtRevision, int Watchers, long TimelineAdded);

internal static class Burst
{
    /// <summary>Every validator reports within the window, paced evenly, while the watchers listen.</summary>
    public static async Task<BurstResult> RunAsync(HttpClient http, BenchIncident incident, List<Watcher> watchers, IReadOnlyList<string> keys, TimeSpan window)
    {
        Console.WriteLine($"Burst: {keys.Count:N0} reports within {window.TotalSeconds:0} s while {watchers.Count:N0} watchers listen…");
        var timelineBefore = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident.Id}/timeline")).GetArrayLength();
        var latencies = new List<double>();
        int committed = 0, failed = 0;
        var started = Stopwatch.GetTimestamp();
        var interval = window.TotalMilliseconds / keys.Count;
        var tasks = keys.Select(async (key, i) =>
        {
            var due = started + (long)(i * interval / 1000 * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var sent = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/validators/{key}/status")
            {
                Content = JsonContent.Create(new { state = "acknowledged", note = "on it" }),
            };
            request.Headers.Add("Idempotency-Key", $"burst-{key}");
            var response = await http.SendAsync(request);
            var elapsed = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            lock (latencies)
            {
                latencies.Add(elapsed);
                if (response.IsSuccessStatusCode)
                {
                    committed++;
                }
                else
                {
                    failed++;
                }
            }
        });
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var revision = await Setup.RevisionAsync(http, incident.Id);
        try
        {
            await FanOut.WaitAllAsync(watchers, w => w.Revision >= revision, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            Console.WriteLine("  " + ex.Message);
        }

        var timelineAfter = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident.Id}/timeline")).GetArrayLength();
        return new BurstResult(keys.Count, committed, failed, new Latencies(latencies, []), seconds, revision,
            watchers.Count(w => w.Revision == revision), watchers.Count, timelineAfter - timelineBefore);
    }
}

internal static class Memory
{
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

internal sealed class Report(Options options)
{
    private readonly StringBuilder _body = new();
    private readonly List<string> _summary = [];

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    public void FanOut(int watchers, Latencies portal, Latencies bare)
    {
        var ratio = portal.P(95) / bare.P(95);
        var target = watchers <= 1000 ? 50 : 250;
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Fan-out to {watchers:N0} watchers (instance A)");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Per change the portal sent {portal.Sizes.Count} messages, {portal.Sizes.Sum():N0} bytes (fragments, then the quorum document); the bare broadcast sent the same sizes.");
        _body.AppendLine();
        _body.AppendLine("| path | p50 ms | p95 ms | p99 ms | changes |");
        _body.AppendLine("|---|---:|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| portal: status API call → last watcher has the new revision | {Ms(portal.P(50))} | {Ms(portal.P(95))} | {Ms(portal.P(99))} | {portal.Milliseconds.Count} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| bare hub broadcast of the same payload | {Ms(bare.P(50))} | {Ms(bare.P(95))} | {Ms(bare.P(99))} | {bare.Milliseconds.Count} |");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Ratio portal/bare at p95: **{ratio:0.00}×** (target ≤ 1.3×). p95 target: {target} ms.");
        _body.AppendLine();
        _summary.Add($"| fan-out p95, {watchers:N0} watchers | {Ms(portal.P(95))} ms | < {target} ms | {(portal.P(95) < target ? "met" : $"missed by {Ms(portal.P(95) - target)} ms")} |");
        _summary.Add($"| portal / bare hub at p95, {watchers:N0} watchers | {ratio:0.00}× | ≤ 1.3× | {(ratio <= 1.3 ? "met" : $"missed by {ratio - 1.3:0.00}×")} |");
    }

    public void Memory(long rss0, long rssN, int watchers)
    {
        var perWatcher = (rssN - rss0) / (double)watchers / 1024;
        _body.AppendLine("### Memory per idle watcher (instance A)");
        _body.AppendLine();
        _body.AppendLine("| watchers | resident set (VmRSS) |");
        _body.AppendLine("|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| 0 | {rss0 / 1024 / 1024:N0} MiB |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| {watchers:N0} | {rssN / 1024 / 1024:N0} MiB |");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Per idle watcher: **{perWatcher:0.0} KiB** (target < 40 KB).");
        _body.AppendLine();
        _summary.Add($"| memory per idle watcher | {perWatcher:0.0} KiB | < 40 KB | {(perWatcher < 40 ? "met" : $"missed by {perWatcher - 40:0.0} KiB")} |");
    }

    public void Burst(BurstResult burst)
    {
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Burst: {burst.Sent:N0} validators report within 10 s while {burst.Watchers:N0} watchers listen");
        _body.AppendLine();
        _body.AppendLine("| figure | value |");
        _body.AppendLine("|---|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| reports sent | {burst.Sent:N0} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| reports committed (200) | {burst.Committed:N0} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| reports failed | {burst.Failed:N0} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| timeline entries added | {burst.TimelineAdded:N0} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| sending took | {burst.Seconds:0.0} s |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| API latency p50 / p99 | {Ms(burst.Api.P(50))} / {Ms(burst.Api.P(99))} ms |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| watchers at the database's final revision ({burst.DatabaseRevision}) | {burst.WatchersAtRevision:N0} of {burst.Watchers:N0} |");
        _body.AppendLine();
        var lost = burst.Sent - burst.Committed;
        _summary.Add($"| burst API p99 | {Ms(burst.Api.P(99))} ms | < 50 ms | {(burst.Api.P(99) < 50 ? "met" : $"missed by {Ms(burst.Api.P(99) - 50)} ms")} |");
        _summary.Add($"| burst reports lost | {lost} (timeline +{burst.TimelineAdded:N0}) | 0 | {(lost == 0 && burst.TimelineAdded >= burst.Sent ? "met" : "missed")} |");
        _summary.Add($"| watchers converged after burst | {burst.WatchersAtRevision:N0} of {burst.Watchers:N0} | all | {(burst.WatchersAtRevision == burst.Watchers ? "met" : "missed")} |");
    }

    public void TwoInstances(Latencies latencies)
    {
        _body.AppendLine("### Two instances: changes on A, 1,000 watchers on B");
        _body.AppendLine();
        _body.AppendLine("| path | p50 ms | p95 ms | p99 ms | changes |");
        _body.AppendLine("|---|---:|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| API on A → LISTEN/NOTIFY → last watcher on B | {Ms(latencies.P(50))} | {Ms(latencies.P(95))} | {Ms(latencies.P(99))} | {latencies.Milliseconds.Count} |");
        _body.AppendLine();
        _summary.Add($"| fan-out p95 across instances, 1,000 watchers | {Ms(latencies.P(95))} ms | < 50 ms | {(latencies.P(95) < 50 ? "met" : $"missed by {Ms(latencies.P(95) - 50)} ms")} |");
    }

    public string Markdown()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine("Written by `./portal bench`: two release builds of the portal on one PostgreSQL, driven over loopback by");
        text.AppendLine("`Portal.Bench`, whose watchers speak the SignalR JSON protocol over plain WebSockets. Client, portals and");
        text.AppendLine("database share the same machine, so every figure includes the client's own CPU use.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores ({cpu}), {long.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024:N0} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Runtime: .NET {Environment.Version}; run at {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {options.Rounds} changes per fan-out figure");
        text.AppendLine("- Incident: 1,510 validators with random stake, strict 2/3 by stake; each change is one validator's status report.");
        text.AppendLine();
        text.AppendLine("## Summary");
        text.AppendLine();
        text.AppendLine("| figure | measured | target | |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var line in _summary)
        {
            text.AppendLine(line);
        }

        text.AppendLine();
        text.AppendLine("## Details");
        text.AppendLine();
        text.Append(_body);
        return text.ToString();
    }
}
