using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portal.Bench;

// ./portal bench starts two portal instances on one PostgreSQL and runs this against them. Each figure is the
// median of `--repeat` repetitions (3 by default), reported with their spread, and the load average before the
// run is recorded, since the machine may be shared.
var options = Options.Parse(args);
using var http = new HttpClient { BaseAddress = options.A, Timeout = TimeSpan.FromMinutes(2) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
using var httpB = new HttpClient { BaseAddress = options.B, Timeout = TimeSpan.FromMinutes(2) };
httpB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
var report = new Report(options, File.ReadAllText("/proc/loadavg").Trim());

Console.WriteLine($"Setting up a network and an incident with {options.Validators:N0} validators…");
// Ten seats serve the one-at-a-time fan-out changes, the others report in the burst.
var incident = await Setup.IncidentAsync(http, validators: options.Validators);
var keys = incident.Keys;

Console.WriteLine("Memory with no watchers…");
await Task.Delay(3000);
var rss0 = Memory.ResidentBytes(options.PidA);
var heap0 = await Memory.ManagedAsync(http);

async Task<(List<Latencies> Portal, List<Latencies> Bare)> FanOutRepeatedAsync(HttpClient via, List<Watcher> group, int seat)
{
    var portal = new List<Latencies>();
    var bare = new List<Latencies>();
    for (var r = 0; r < options.Repeat; r++)
    {
        // Interleaved, so both paths see the same machine.
        portal.Add(await FanOut.MeasureAsync(http, incident, group, options.Rounds, seat));
        bare.Add(await FanOut.BareAsync(via, incident, group, options.Rounds, portal[^1].Sizes));
    }

    return (portal, bare);
}

var watchers = new List<Watcher>();
if (options.Runs("fanout") || options.Runs("burst"))
{
    await Connect.ManyAsync(watchers, options.A, incident.Id, options.Watchers);
}

if (options.Runs("fanout"))
{
    var (fanout1000, bare1000) = await FanOutRepeatedAsync(http, watchers, seat: 0);
    report.FanOut(watchers.Count, fanout1000, bare1000);

    await Connect.ManyAsync(watchers, options.A, incident.Id, (options.Watchers * 5) - watchers.Count);
    await Task.Delay(5000);
    report.Memory(rss0, Memory.ResidentBytes(options.PidA), heap0, await Memory.ManagedAsync(http), watchers.Count);
    var (fanout5000, bare5000) = await FanOutRepeatedAsync(http, watchers, seat: 1);
    report.FanOut(watchers.Count, fanout5000, bare5000);
}

if (options.Runs("fanout") && options.Idle > watchers.Count)
{
    await Connect.ManyAsync(watchers, options.A, incident.Id, options.Idle - watchers.Count);
    await Task.Delay(5000);
    report.Memory(rss0, Memory.ResidentBytes(options.PidA), heap0, await Memory.ManagedAsync(http), watchers.Count);
    var (fanoutIdle, bareIdle) = await FanOutRepeatedAsync(http, watchers, seat: 3);
    report.FanOut(watchers.Count, fanoutIdle, bareIdle);
}

Console.WriteLine($"Disconnecting all but {options.Watchers:N0} watchers…");
foreach (var extra in watchers.Skip(options.Watchers).ToList())
{
    await extra.DisposeAsync();
    watchers.Remove(extra);
}

if (options.Runs("burst"))
{
    var bursts = new List<BurstResult>();
    var bareBursts = new List<BurstResult>();
    string[] burstStates = ["acknowledged", "downloading", "upgraded"];
    for (var r = 0; r < options.Repeat; r++)
    {
        bareBursts.Add(await Burst.BareAsync(http, keys.Count - 10, options.Rate, $"r{r}-"));
        bursts.Add(await Burst.RunAsync(http, incident, watchers, [.. keys.Skip(10)], options.Rate, burstStates[r % burstStates.Length], $"r{r}-"));
    }

    report.Burst(bursts, bareBursts, options.Rate);
}

var onB = new List<Watcher>();
if (options.Runs("instances"))
{
    await Connect.ManyAsync(onB, options.B, incident.Id, options.Watchers);
    var (acrossPortal, acrossBare) = await FanOutRepeatedAsync(httpB, onB, seat: 2);
    report.TwoInstances(acrossPortal, acrossBare);
}

if (options.Runs("circuits"))
{
    report.Circuits(await Circuits.MeasureAsync(http, options));
}

foreach (var w in watchers.Concat(onB))
{
    await w.DisposeAsync();
}

var markdown = report.Markdown();
Console.WriteLine();
Console.WriteLine(markdown);
if (options.Output is { } output && options.Only is null)
{
    await File.WriteAllTextAsync(output, markdown);
    Console.WriteLine($"Written to {output}");
}

return 0;

internal sealed record Options(Uri A, Uri B, string Token, int PidA, int PidB, string? Output, int Rounds, int Repeat, int Watchers, int Idle, int Validators, double Rate, IReadOnlySet<string>? Only)
{
    /// <summary>Whether a section runs: all of them unless <c>--only fanout,burst,instances,circuits</c> names some (then nothing is written to --out).</summary>
    public bool Runs(string section) => Only is null || Only.Contains(section);

    public static Options Parse(string[] args)
    {
        string Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"missing {name}");
        string? Optional(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(new Uri(Value("--a")), new Uri(Value("--b")), Value("--token"), int.Parse(Value("--pid-a"), CultureInfo.InvariantCulture),
            int.Parse(Value("--pid-b"), CultureInfo.InvariantCulture), Optional("--out"), int.Parse(Optional("--rounds") ?? "50", CultureInfo.InvariantCulture),
            int.Parse(Optional("--repeat") ?? "3", CultureInfo.InvariantCulture),
            // Small numbers for a smoke run: --watchers 20 --idle 50 --validators 60 --rounds 3 --repeat 1.
            int.Parse(Optional("--watchers") ?? "1000", CultureInfo.InvariantCulture),
            int.Parse(Optional("--idle") ?? "10000", CultureInfo.InvariantCulture),
            int.Parse(Optional("--validators") ?? "1510", CultureInfo.InvariantCulture),
            double.Parse(Optional("--rate") ?? "150", CultureInfo.InvariantCulture),
            Optional("--only") is { } only ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : null);
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

/// <summary>Latencies of one run; <paramref name="Answered"/>, where kept, is when each change's API call answered.</summary>
internal sealed record Latencies(List<double> Milliseconds, IReadOnlyList<int> Sizes, List<double>? Answered = null)
{
    public Latencies AnsweredOnly() => new(Answered ?? [], Sizes);

    public double P(double percentile)
    {
        var sorted = Milliseconds.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

internal static class FanOut
{
    private static readonly Dictionary<int, int> Turns = [];

    /// <summary>
    /// Status changes through the API, one at a time: from just before the call to the moment the last watcher
    /// has the quorum document of the new revision (fragments come before it).
    /// </summary>
    public static async Task<Latencies> MeasureAsync(HttpClient http, BenchIncident incident, List<Watcher> watchers, int rounds, int seat)
    {
        Console.WriteLine($"Fan-out to {watchers.Count:N0} watchers, {rounds} changes…");
        var latencies = new List<double>();
        var answered = new List<double>();
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
            // Alternating, carried across repetitions on the same seat: repeating a state would change nothing.
            var turn = Turns.TryGetValue(seat, out var t) ? t : 0;
            Turns[seat] = turn + 1;
            var response = await http.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/validators/{key}/status", new { state = turn % 2 == 0 ? "upgraded" : "ready" });
            response.EnsureSuccessStatusCode();
            answered.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await WaitAllAsync(watchers, w => w.Arrival != 0);
            latencies.Add(watchers.Max(w => Stopwatch.GetElapsedTime(started, w.Arrival).TotalMilliseconds));
            sizes = [.. watchers[0].RecordedSizes!];
        }

        watchers[0].RecordedSizes = null;
        return new Latencies(latencies, sizes, answered);
    }

    /// <summary>The same hub sending messages of the same sizes with no database or rendering work, timed to the last message as the portal is.</summary>
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
    /// <summary>
    /// Open loop: request i is sent at i / rate seconds whatever the answers before it (a slow answer never delays
    /// the next request), as validators would, while the watchers listen.
    /// </summary>
    public static async Task<BurstResult> RunAsync(HttpClient http, BenchIncident incident, List<Watcher> watchers, IReadOnlyList<string> keys, double rate, string state, string prefix)
    {
        Console.WriteLine($"Burst: {keys.Count:N0} reports ({state}) at {rate:0}/s while {watchers.Count:N0} watchers listen…");
        var timelineBefore = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident.Id}/timeline")).GetArrayLength();
        var (latencies, committed, failed, seconds) = await OpenLoopAsync(keys.Count, rate, i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/validators/{keys[i]}/status")
            {
                Content = JsonContent.Create(new { state, version = state == "upgraded" ? "v-bench" : null, note = "on it" }),
            };
            request.Headers.Add("Idempotency-Key", $"burst-{prefix}{keys[i]}");
            return request;
        }, http);

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
        return new BurstResult(keys.Count, committed, failed, latencies, seconds, revision,
            watchers.Count(w => w.Revision == revision), watchers.Count, timelineAfter - timelineBefore);
    }

    /// <summary>The baseline at the same rate: the bench build's bare endpoint, one durable INSERT per request.</summary>
    public static async Task<BurstResult> BareAsync(HttpClient http, int count, double rate, string prefix)
    {
        Console.WriteLine($"Bare burst: {count:N0} durable INSERTs at {rate:0}/s…");
        var run = Guid.NewGuid().ToString("N")[..8];
        var (latencies, committed, failed, seconds) = await OpenLoopAsync(count, rate, i => new HttpRequestMessage(HttpMethod.Post, "/api/v1/bench/insert")
        {
            Content = JsonContent.Create(new { key = $"{prefix}{run}-{i}" }),
        }, http);
        return new BurstResult(count, committed, failed, latencies, seconds, 0, 0, 0, committed);
    }

    private static async Task<(Latencies Latencies, int Committed, int Failed, double Seconds)> OpenLoopAsync(int count, double rate, Func<int, HttpRequestMessage> build, HttpClient http)
    {
        var latencies = new List<double>();
        int committed = 0, failed = 0;
        var started = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            var due = started + (long)(i / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            // Latency from the scheduled time: a sender that fell behind its schedule counts against the portal.
            using var request = build(i);
            bool ok;
            try
            {
                using var response = await http.SendAsync(request);
                ok = response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                ok = false;
            }

            var elapsed = Stopwatch.GetElapsedTime(Math.Max(due, started)).TotalMilliseconds;
            lock (latencies)
            {
                latencies.Add(elapsed);
                if (ok)
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
        return (new Latencies(latencies, []), committed, failed, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}

internal static class Memory
{
    /// <summary>The portal's live managed heap after a full collection (bench build only).</summary>
    public static async Task<long> ManagedAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/v1/bench/memory")).GetProperty("managedHeapBytes").GetInt64();

    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

internal sealed partial class Report(Options options, string loadAverage)
{
    private readonly StringBuilder _body = new();
    private readonly List<string> _summary = [];

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>"median (min–max)" of one percentile over the repetitions.</summary>
    private static string Spread(IReadOnlyList<Latencies> runs, double percentile) =>
        runs.Count == 1 ? Ms(runs[0].P(percentile)) : $"{Ms(Median(runs.Select(r => r.P(percentile))))} ({Ms(runs.Min(r => r.P(percentile)))}–{Ms(runs.Max(r => r.P(percentile)))})";

    /// <summary>The part of the portal's figure spent before the API answered (the write, its commit and the answer).</summary>
    private void AnsweredRow(IReadOnlyList<Latencies> portal)
    {
        var answered = portal.Select(r => r.AnsweredOnly()).ToList();
        _body.AppendLine(CultureInfo.InvariantCulture, $"| of which: until the status API call answered | {Spread(answered, 50)} | {Spread(answered, 95)} | {Spread(answered, 99)} |");
    }

    private static string Verdict(bool met, string missedBy) => met ? "met" : "missed by " + missedBy;

    public void FanOut(int watchers, IReadOnlyList<Latencies> portal, IReadOnlyList<Latencies> bare)
    {
        var p95 = Median(portal.Select(r => r.P(95)));
        var ratio = p95 / Median(bare.Select(r => r.P(95)));
        var ratios = portal.Zip(bare, (p, b) => p.P(95) / b.P(95)).ToList();
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Fan-out to {watchers:N0} watchers (instance A)");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Per change each watcher got {portal[^1].Sizes.Count} message(s), {portal[^1].Sizes.Sum():N0} bytes (the page's subscription: one `update` with the fragments and the quorum document); the bare broadcast sent the same sizes, timed to its last message. Median of {portal.Count} repetitions of {options.Rounds} changes, (min–max) across them.");
        _body.AppendLine();
        _body.AppendLine("| path | p50 ms | p95 ms | p99 ms |");
        _body.AppendLine("|---|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| portal: status API call → last watcher has the new revision | {Spread(portal, 50)} | {Spread(portal, 95)} | {Spread(portal, 99)} |");
        AnsweredRow(portal);
        _body.AppendLine(CultureInfo.InvariantCulture, $"| bare hub broadcast of the same payload | {Spread(bare, 50)} | {Spread(bare, 95)} | {Spread(bare, 99)} |");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Ratio portal/bare at p95: **{ratio:0.00}×** (per repetition {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; target ≤ 1.3×).");
        _body.AppendLine();
        _summary.Add($"| fan-out p95, {watchers:N0} watchers | {Spread(portal, 95)} ms | | |");
        _summary.Add($"| portal / bare hub at p95, {watchers:N0} watchers | {ratio:0.00}× ({ratios.Min():0.00}–{ratios.Max():0.00}) | ≤ 1.3× | {Verdict(ratio <= 1.3, $"{ratio - 1.3:0.00}×")} |");
    }

    public void Memory(long rss0, long rssN, long heap0, long heapN, int watchers)
    {
        var perWatcher = (rssN - rss0) / (double)watchers / 1024;
        var heapPerWatcher = (heapN - heap0) / (double)watchers / 1024;
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Memory per idle watcher, {watchers:N0} watchers (instance A)");
        _body.AppendLine();
        MemoryTable("watchers", watchers, rss0, rssN, heap0, heapN);
        _body.AppendLine(CultureInfo.InvariantCulture, $"Per idle watcher: **{perWatcher:0.0} KiB** resident, {heapPerWatcher:0.0} KiB managed (target < 40 KB). One measurement (memory does not repeat independently).");
        _body.AppendLine();
        _summary.Add($"| memory per idle watcher, {watchers:N0} watchers | {perWatcher:0.0} KiB RSS, {heapPerWatcher:0.0} KiB heap | < 40 KB | {Verdict(perWatcher < 40, $"{perWatcher - 40:0.0} KiB")} |");
    }

    /// <summary>Memory before and after opening <paramref name="count"/> connections: the watcher and circuit figures alike.</summary>
    private void MemoryTable(string what, int count, long rss0, long rssN, long heap0, long heapN)
    {
        _body.AppendLine(CultureInfo.InvariantCulture, $"| {what} | resident set (VmRSS) | live managed heap after a full collection |");
        _body.AppendLine("|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| 0 | {rss0 / 1024 / 1024:N0} MiB | {heap0 / 1024 / 1024:N0} MiB |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| {count:N0} | {rssN / 1024 / 1024:N0} MiB | {heapN / 1024 / 1024:N0} MiB |");
        _body.AppendLine();
    }

    public void Burst(IReadOnlyList<BurstResult> bursts, IReadOnlyList<BurstResult> bare, double rate)
    {
        var apis = bursts.Select(b => b.Api).ToList();
        var bares = bare.Select(b => b.Api).ToList();
        var p99 = Median(apis.Select(a => a.P(99)));
        var bareP99 = Median(bares.Select(a => a.P(99)));
        var ratio = p99 / bareP99;
        var last = bursts[^1];
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Burst: {last.Sent:N0} reports sent open-loop at {rate:0}/s while {last.Watchers:N0} watchers listen");
        _body.AppendLine();
        _body.AppendLine("Latency is measured from each request's scheduled send time. The baseline is the bench build's bare endpoint (same token authentication, one durable INSERT per request) at the same rate, in the same run; repetitions alternate baseline and burst.");
        _body.AppendLine();
        _body.AppendLine("| repetition | sent | committed | failed | timeline +| sending took | API p50 / p99 ms | bare p50 / p99 ms | watchers at final revision |");
        _body.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < bursts.Count; i++)
        {
            var b = bursts[i];
            _body.AppendLine(CultureInfo.InvariantCulture,
                $"| {i + 1} | {b.Sent:N0} | {b.Committed:N0} | {b.Failed:N0} | {b.TimelineAdded:N0} | {b.Seconds:0.0} s | {Ms(b.Api.P(50))} / {Ms(b.Api.P(99))} | {Ms(bare[i].Api.P(50))} / {Ms(bare[i].Api.P(99))} | {b.WatchersAtRevision:N0} of {b.Watchers:N0} (r{b.DatabaseRevision}) |");
        }

        _body.AppendLine();
        var lost = bursts.Sum(b => b.Sent - b.Committed);
        _summary.Add($"| burst API p99 at {rate:0}/s | {Spread(apis, 99)} ms | ≤ 100 ms | {Verdict(p99 <= 100, $"{Ms(p99 - 100)} ms")} |");
        _summary.Add($"| burst API p99 / bare durable INSERT p99 | {ratio:0.00}× (bare {Spread(bares, 99)} ms) | ≤ 3× | {Verdict(ratio <= 3, $"{ratio - 3:0.00}×")} |");
        _summary.Add($"| burst time to send {last.Sent:N0} | {Median(bursts.Select(b => b.Seconds)):0.0} s | {last.Sent / rate:0.0} s | {Verdict(Median(bursts.Select(b => b.Seconds)) <= (last.Sent / rate * 1.05) + 0.2, $"{Median(bursts.Select(b => b.Seconds)) - (last.Sent / rate):0.0} s")} |");
        _summary.Add($"| burst reports lost | {lost} | 0 | {Verdict(lost == 0, lost.ToString(CultureInfo.InvariantCulture))} |");
        _summary.Add($"| watchers converged after each burst | {string.Join(", ", bursts.Select(b => $"{b.WatchersAtRevision:N0}/{b.Watchers:N0}"))} | all | {Verdict(bursts.All(b => b.WatchersAtRevision == b.Watchers), "some")} |");
    }

    public void TwoInstances(IReadOnlyList<Latencies> latencies, IReadOnlyList<Latencies> bare)
    {
        var ratio = Median(latencies.Select(r => r.P(95))) / Median(bare.Select(r => r.P(95)));
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Two instances: changes on A, {options.Watchers:N0} watchers on B");
        _body.AppendLine();
        _body.AppendLine("| path | p50 ms | p95 ms | p99 ms |");
        _body.AppendLine("|---|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| API on A → LISTEN/NOTIFY → last watcher on B | {Spread(latencies, 50)} | {Spread(latencies, 95)} | {Spread(latencies, 99)} |");
        AnsweredRow(latencies);
        _body.AppendLine(CultureInfo.InvariantCulture, $"| bare hub broadcast on B of the same payload | {Spread(bare, 50)} | {Spread(bare, 95)} | {Spread(bare, 99)} |");
        _body.AppendLine();
        _summary.Add($"| across instances / bare hub at p95, {options.Watchers:N0} watchers | {ratio:0.00}× | ≤ 1.5× | {Verdict(ratio <= 1.5, $"{ratio - 1.5:0.00}×")} |");
    }

    public string Markdown()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine("Written by `./portal bench`: two release builds of the portal on one PostgreSQL, driven over loopback by");
        text.AppendLine("`Portal.Bench`, whose watchers speak the SignalR JSON protocol over plain WebSockets and watch as the incident pages do (`Watch`). Client, portals and");
        text.AppendLine("database share the same machine, so every figure includes the client's own CPU use.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores ({cpu}), {long.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024:N0} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Runtime: .NET {Environment.Version}; run at {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {options.Rounds} changes per fan-out figure, each figure the median of {options.Repeat} repetitions (min–max in brackets)");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Load average before the run (1, 5, 15 min, runnable/total, last pid): `{loadAverage}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Incident: {options.Validators:N0} validators with random stake, strict 2/3 by stake; each change is one validator's status report.");
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
