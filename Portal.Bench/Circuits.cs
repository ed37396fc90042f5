using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Portal.Bench;

/// <summary>What the console circuit measurement found (instance A).</summary>
internal sealed record CircuitFigures(
    int Circuits, int Validators, long Rss0, long RssN, long Heap0, long HeapN,
    IReadOnlyList<Latencies> Console, IReadOnlyList<Latencies> Public, IReadOnlyList<Latencies> PublicBesideCircuits, int PublicWatchers,
    double BatchBytesPerChange);

/// <summary>
/// The console issue's figures: idle console circuits (a signed-in commander's <c>/incidents/{id}</c>) on an
/// incident of its own with 2,000 validators: memory per circuit, then change → last circuit has rendered the
/// new revision. The public path it is compared with is the same incident's watchers on the hub, timed first
/// with no circuit open (once circuits are open, every change makes them all render on the same CPU, which
/// delays the public path as much as the console), then again beside the circuits, from the same changes.
/// </summary>
internal static partial class Circuits
{
    private static readonly string[] CommanderRole = ["commander"];
    private static int _turn;

    public static async Task<CircuitFigures> MeasureAsync(HttpClient http, Options options, int count = 200, int validators = 2000)
    {
        Console.WriteLine($"Console circuits: an incident with {validators:N0} validators, a signed-in commander, {count} circuits…");
        var incident = await Setup.IncidentAsync(http, validators);
        var cookies = await SignInAsync(http, options.A);
        var page = new Uri(options.A, $"/incidents/{incident.Id}");
        var watchers = new List<Watcher>();
        await Connect.ManyAsync(watchers, options.A, incident.Id, count);
        var alone = new List<Latencies>();
        for (var r = 0; r < options.Repeat; r++)
        {
            alone.Add((await ChangesAsync(http, incident, [], watchers, options.Rounds)).Public);
        }

        // One circuit first, so the baseline has the page's code loaded and the incident's state in memory.
        await using (await CircuitClient.StartAsync(page, cookies))
        {
        }

        await Task.Delay(3000);
        var rss0 = Memory.ResidentBytes(options.PidA);
        var heap0 = await Memory.ManagedAsync(http);

        var circuits = new List<CircuitClient>();
        var started = Stopwatch.GetTimestamp();
        using (var gate = new SemaphoreSlim(8))
        {
            circuits.AddRange(await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    return await CircuitClient.StartAsync(page, cookies);
                }
                finally
                {
                    gate.Release();
                }
            })));
        }

        Console.WriteLine($"  {circuits.Count} circuits started ({Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s)");
        await Task.Delay(5000);
        var rssN = Memory.ResidentBytes(options.PidA);
        var heapN = await Memory.ManagedAsync(http);

        var console = new List<Latencies>();
        var publicPath = new List<Latencies>();
        var bytesBefore = circuits.Sum(c => c.BatchBytes);
        for (var r = 0; r < options.Repeat; r++)
        {
            var (c, p) = await ChangesAsync(http, incident, circuits, watchers, options.Rounds);
            console.Add(c);
            publicPath.Add(p);
        }

        if (Environment.GetEnvironmentVariable("PORTAL_BENCH_BATCHES") is "1")
        {
            // To see what dominates the batches: the first circuit's whole page, and what the last change sent it.
            var (first, last) = circuits[0].Captured();
            Console.WriteLine("  first batch: " + (first is null ? "none" : CircuitClient.Describe(first)));
            foreach (var batch in last)
            {
                Console.WriteLine("  change batch: " + CircuitClient.Describe(batch));
            }
        }

        // Per circuit and change, what the server sent (render batches only).
        var bytesPerChange = (circuits.Sum(c => c.BatchBytes) - bytesBefore) / (double)circuits.Count / console.Sum(c => c.Milliseconds.Count);
        foreach (var circuit in circuits)
        {
            await circuit.DisposeAsync();
        }

        foreach (var watcher in watchers)
        {
            await watcher.DisposeAsync();
        }

        return new CircuitFigures(count, validators, rss0, rssN, heap0, heapN, console, alone, publicPath, watchers.Count, bytesPerChange);
    }

    /// <summary>
    /// Status changes one at a time; each is timed from just before the API call to the last circuit's batch that
    /// carries the new revision and, for the same change, to the last public watcher's quorum message of it.
    /// </summary>
    private static async Task<(Latencies Console, Latencies Public)> ChangesAsync(HttpClient http, BenchIncident incident, List<CircuitClient> circuits, List<Watcher> watchers, int rounds)
    {
        Console.WriteLine($"Change → {circuits.Count} console circuits and {watchers.Count} public watchers of the same incident, {rounds} changes…");
        var console = new List<double>();
        var publicPath = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var before = await Setup.RevisionAsync(http, incident.Id);
            await FanOut.WaitAllAsync(watchers, w => w.Revision >= before);
            foreach (var c in circuits)
            {
                c.Arm();
            }

            foreach (var w in watchers)
            {
                w.Arm(before);
            }

            var started = Stopwatch.GetTimestamp();
            // Alternating across all the rounds: repeating a state would change nothing and render nothing.
            var state = _turn++ % 2 == 0 ? "upgraded" : "ready";
            using (var response = await http.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/validators/{incident.Keys[0]}/status", new { state }))
            {
                response.EnsureSuccessStatusCode();
            }

            var revision = CircuitClient.Revision(await Setup.RevisionAsync(http, incident.Id));
            var arrivals = await Task.WhenAll(circuits.Select(c => c.WaitForAsync(revision, TimeSpan.FromSeconds(60))));
            await FanOut.WaitAllAsync(watchers, w => w.Arrival != 0);
            if (arrivals.Length > 0)
            {
                console.Add(arrivals.Max(a => Stopwatch.GetElapsedTime(started, a).TotalMilliseconds));
            }

            publicPath.Add(watchers.Max(w => Stopwatch.GetElapsedTime(started, w.Arrival).TotalMilliseconds));
        }

        return (new Latencies(console, []), new Latencies(publicPath, []));
    }

    /// <summary>
    /// A commander signed in as a person is: created by the admin's API call, then the invitation accepted on
    /// its page (which sets the password and signs in), leaving the sign-in cookie in the container.
    /// </summary>
    public static async Task<CookieContainer> SignInAsync(HttpClient admin, Uri portal)
    {
        var name = "bench-commander-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Setup.PostAsync(admin, "/api/v1/users", new { userName = name, roles = CommanderRole });
        var link = new Uri(portal, new Uri(created.GetProperty("invitationUrl").GetString()!, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } absolute ? absolute.PathAndQuery : created.GetProperty("invitationUrl").GetString()!);
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = portal };
        var html = await browser.GetStringAsync(link);
        var token = AntiforgeryToken().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("No antiforgery token on the invitation page.");
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        var password = "Bench-" + Guid.NewGuid().ToString("N");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "accept",
            ["__RequestVerificationToken"] = token,
            ["user"] = query["user"] ?? "",
            ["code"] = query["code"] ?? "",
            ["Input.Password"] = password,
            ["Input.Confirm"] = password,
        });
        using var response = await browser.PostAsync(link, form);
        if (!cookies.GetAllCookies().Any(c => c.Name == "portal.auth"))
        {
            throw new InvalidOperationException($"Accepting the invitation did not sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return cookies;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

/// <summary>The console circuit figures in the report.</summary>
internal sealed partial class Report
{
    public void Circuits(CircuitFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var rss = (figures.RssN - figures.Rss0) / (double)figures.Circuits / 1024;
        var heap = (figures.HeapN - figures.Heap0) / (double)figures.Circuits / 1024;
        var p95 = Median(figures.Console.Select(r => r.P(95)));
        var ratio = p95 / Median(figures.Public.Select(r => r.P(95)));
        var ratios = figures.Console.Zip(figures.Public, (c, p) => c.P(95) / p.P(95)).ToList();
        _body.AppendLine(CultureInfo.InvariantCulture, $"### Console circuits: {figures.Circuits} idle circuits on a {figures.Validators:N0}-validator incident (instance A)");
        _body.AppendLine();
        _body.AppendLine("Each circuit is a signed-in commander's `/incidents/{id}` opened as blazor.web.js does it (prerendered page, `/_blazor` over WebSockets with the blazorpack protocol, `StartCircuit`, `UpdateRootComponents`), by `Portal.Bench`'s circuit client, which acknowledges every render batch and answers JavaScript interop calls with no value. The baseline is taken with one circuit opened and closed before, so the page's code and the incident's state are already in memory.");
        _body.AppendLine();
        MemoryTable("circuits", figures.Circuits, figures.Rss0, figures.RssN, figures.Heap0, figures.HeapN);
        _body.AppendLine(CultureInfo.InvariantCulture, $"Per idle circuit: **{heap:0.0} KiB** managed (target < 150 KB), {rss:0.0} KiB resident. One measurement.");
        _body.AppendLine();
        var beside = Median(figures.PublicBesideCircuits.Select(r => r.P(95)));
        _body.AppendLine(CultureInfo.InvariantCulture, $"Each status change (API on A) is timed to the last circuit's render batch that carries the new revision (`data-revision` and its new value among the batch's strings) and to the last of {figures.PublicWatchers} public watchers of the same incident to get the quorum message of that revision. The public path is timed first with no circuit open, then again from the same changes as the circuits: once circuits are open every change makes all of them render on the same cores, which delays the public path too. Median of {figures.Console.Count} repetitions of {figures.Console[0].Milliseconds.Count} changes, (min–max) across them.");
        _body.AppendLine();
        _body.AppendLine("| path | p50 ms | p95 ms | p99 ms |");
        _body.AppendLine("|---|---:|---:|---:|");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| console: status API call → last of {figures.Circuits} circuits has rendered the new revision | {Spread(figures.Console, 50)} | {Spread(figures.Console, 95)} | {Spread(figures.Console, 99)} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| public, no circuit open: → last of {figures.PublicWatchers} watchers has the new revision | {Spread(figures.Public, 50)} | {Spread(figures.Public, 95)} | {Spread(figures.Public, 99)} |");
        _body.AppendLine(CultureInfo.InvariantCulture, $"| public, the same changes as the circuits | {Spread(figures.PublicBesideCircuits, 50)} | {Spread(figures.PublicBesideCircuits, 95)} | {Spread(figures.PublicBesideCircuits, 99)} |");
        _body.AppendLine();
        _body.AppendLine(CultureInfo.InvariantCulture, $"Ratio console/public at p95: **{ratio:0.00}×** against the public path with no circuit open (per repetition {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; target ≤ 1.5×); {p95 / beside:0.00}× against the public path beside the circuits. Each circuit received {figures.BatchBytesPerChange / 1024:N1} KiB of render batches per change.");
        _body.AppendLine();
        _summary.Add($"| memory per idle console circuit, {figures.Circuits} circuits, {figures.Validators:N0} validators | {heap:0.0} KiB heap, {rss:0.0} KiB RSS | < 150 KB heap | {Verdict(heap < 150, $"{heap - 150:0.0} KiB")} |");
        _summary.Add($"| change → last of {figures.Circuits} circuits p95 / public path p95 | {Spread(figures.Console, 95)} ms / {Spread(figures.Public, 95)} ms = {ratio:0.00}× | ≤ 1.5× | {Verdict(ratio <= 1.5, $"{ratio - 1.5:0.00}×")} |");
    }
}
