using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly.Timeout;

namespace Portal.Web.Features.Chain;

/// <summary>Settings of the chain feature (section <c>Portal:Chain</c>).</summary>
public sealed class ChainOptions
{
    public const string Section = "Portal:Chain";

    /// <summary>How long one HTTP attempt may take.</summary>
    public double AttemptTimeoutSeconds { get; set; } = 5;

    /// <summary>Retries per URL after a timeout, a connection failure or a 5xx (then the next URL is tried).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>The largest response accepted; a 10,000-validator page set is far below it.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Whether this instance polls; every instance may, the claim on each network keeps polls single.</summary>
    public bool WatchEnabled { get; set; } = true;

    /// <summary>A validator reported ready this long ago but not seen voting is flagged.</summary>
    public double ReadyGraceMinutes { get; set; } = 15;

    /// <summary>How often each validator's own status URL is read for the version check.</summary>
    public int VersionCheckSeconds { get; set; } = 300;
}

/// <summary>
/// GET and POST of JSON over a named <see cref="HttpClient"/> whose resilience handler applies the per-attempt
/// timeout and retries. URLs are tried in order: the first that answers usable JSON wins. Every failure is
/// collected, so the error says what each URL did.
/// </summary>
public sealed partial class ChainRpcClient(IHttpClientFactory clients, ILogger<ChainRpcClient> logger)
{
    public const string HttpClientName = "chain-rpc";

    private static readonly string[] ErrorFields = ["message", "data"];

    public Task<T> GetAsync<T>(IReadOnlyList<Uri> urls, string pathAndQuery, Func<JsonElement, T> read, CancellationToken cancellationToken) =>
        SendAsync(urls, url => new HttpRequestMessage(HttpMethod.Get, Combine(url, pathAndQuery)), read, cancellationToken);

    /// <summary>A JSON-RPC 2.0 call by POST (Solana).</summary>
    public Task<T> CallAsync<T>(IReadOnlyList<Uri> urls, string method, object[] parameters, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method, @params = parameters });
        return SendAsync(urls, url => new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") }, read, cancellationToken);
    }

    private async Task<T> SendAsync<T>(IReadOnlyList<Uri> urls, Func<Uri, HttpRequestMessage> request, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        if (urls.Count == 0)
        {
            throw new ChainReadException("No RPC URL is configured.");
        }

        var client = clients.CreateClient(HttpClientName);
        var failures = new List<string>();
        foreach (var url in urls)
        {
            try
            {
                using var message = request(url);
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await client.SendAsync(message, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ChainDataException($"HTTP {(int)response.StatusCode}{RpcError(body)}");
                }

                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
                {
                    throw new ChainDataException($"the node answered an error{RpcError(body)}");
                }

                // JSON-RPC wraps the answer in "result"; Cosmos REST and a bare status document do not.
                var payload = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("result", out var result) ? result : root;
                return read(payload);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Describe(ex) is { } why)
            {
                LogRpcFailed(url.Authority, why);
                failures.Add($"{Safe(url)}: {why}");
            }
        }

        throw new ChainReadException(urls.Count == 1 ? $"The node did not answer usably: {failures[0]}." : $"No RPC URL answered usably: {string.Join("; ", failures)}.");
    }

    /// <summary>What went wrong, in words; null for exceptions that are not about the response (they propagate).</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        ChainDataException data => data.Message,
        ChainReadException read => read.Message,
        JsonException json => $"not valid JSON ({json.Message.Split('.')[0]})",
        TimeoutRejectedException => "timed out",
        TaskCanceledException => "timed out",
        HttpRequestException http => http.HttpRequestError == HttpRequestError.Unknown && http.Message.Contains("buffer", StringComparison.OrdinalIgnoreCase)
            ? "the response is too large"
            : $"unreachable ({http.HttpRequestError})",
        InvalidOperationException or FormatException => "an unexpected response shape",
        _ => null,
    };

    private static string RpcError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                var text = error.ValueKind == JsonValueKind.Object
                    ? string.Join(": ", ErrorFields.Select(n => error.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null).Where(s => !string.IsNullOrEmpty(s)))
                    : error.ToString();
                return text.Length == 0 ? "" : $" ({(text.Length > 200 ? text[..200] + "…" : text)})";
            }
        }
        catch (JsonException)
        {
        }

        return "";
    }

    /// <summary>A URL as it may be shown: no user info or query (an API key in the query stays out of pages and logs).</summary>
    public static string Safe(Uri url) => $"{url.Scheme}://{url.Authority}{url.AbsolutePath.TrimEnd('/')}";

    private static Uri Combine(Uri baseUrl, string pathAndQuery) =>
        pathAndQuery.Length == 0 ? baseUrl : new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + pathAndQuery + (baseUrl.Query.Length > 1 ? (pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?") + baseUrl.Query[1..] : ""));

    [LoggerMessage(Level = LogLevel.Information, Message = "Chain RPC {Authority} failed: {Reason}")]
    private partial void LogRpcFailed(string authority, string reason);
}
