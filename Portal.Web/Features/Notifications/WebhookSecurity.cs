using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Standard Webhooks signing (standardwebhooks.com): the secret is <c>whsec_</c> + base64 of 32 random bytes; the
/// signature is <c>v1,</c> + base64 of HMAC-SHA256, keyed with the decoded secret, over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>.
/// </summary>
public static class StandardWebhookSignature
{
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var signed = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}

/// <summary>A destination that resolves only to addresses webhooks may not reach.</summary>
public sealed class BlockedAddressException(string message) : Exception(message);

/// <summary>
/// Where webhooks may go (SSRF): absolute http(s) URLs whose host is a public address. Loopback, link-local,
/// private, carrier-grade NAT, unique-local, multicast and unspecified addresses are refused unless
/// <c>Portal:Webhooks:AllowPrivateAddresses</c> is true. The URL is checked when a subscription is made, and every
/// connection checks again the addresses the name resolves to at that moment (a name may be re-pointed later);
/// redirects are never followed.
/// </summary>
public static class WebhookAddresses
{
    public static bool TryParse(string? text, bool allowPrivate, out Uri uri, out string error)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var parsed))
        {
            error = "The URL must be absolute, as https://hooks.example.com/portal.";
            return false;
        }

        if (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp)
        {
            error = "The URL must use http or https.";
            return false;
        }

        if (parsed.UserInfo.Length > 0)
        {
            error = "The URL may not carry a user name or password; use the signing secret to authenticate deliveries.";
            return false;
        }

        if (text.Length > Portal.Data.Notifications.WebhookSubscription.UrlMax)
        {
            error = $"The URL may be at most {Portal.Data.Notifications.WebhookSubscription.UrlMax} characters.";
            return false;
        }

        var host = HostOf(parsed);
        if (!allowPrivate)
        {
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var literal) && !IsPublic(literal)))
            {
                error = "The URL points at a loopback, link-local or private address, which webhooks may not reach.";
                return false;
            }
        }

        uri = parsed;
        error = "";
        return true;
    }

    /// <summary>The host as a resolver wants it: IPv6 literals without their brackets.</summary>
    public static string HostOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IdnHost.Trim('[', ']');
    }

    /// <summary>The names resolve to at least one address and all of them are public (checked when subscribing).</summary>
    public static async Task<string?> CheckResolvedAsync(Uri uri, CancellationToken cancellationToken)
    {
        var host = HostOf(uri);
        if (IPAddress.TryParse(host, out _))
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Not resolvable now (no network here, a name not published yet): every delivery checks again.
            return null;
        }

        return addresses.Any(a => !IsPublic(a))
            ? $"{host} resolves to a loopback, link-local or private address, which webhooks may not reach."
            : null;
    }

    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || b[0] >= 224);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC // unique local fc00::/7
                || address.IsIPv6Teredo
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)); // NAT64 could reach inside
        }

        return false;
    }

    /// <summary>
    /// The connection handler of every notification HTTP call: no redirects, no cookies, no proxy, and a connect step
    /// that resolves the name itself and refuses (unless allowed) when no public address remains.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var usable = allowPrivate ? addresses : [.. addresses.Where(IsPublic)];
            if (usable.Length == 0)
            {
                throw new BlockedAddressException($"{host} resolves only to loopback, link-local or private addresses, which webhooks may not reach.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(usable, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
