using System.Collections.Concurrent;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// Counts bearer tokens that fail to authenticate, per client address. Once an address has sent
/// <c>Portal:RateLimits:InvalidTokensPerMinute</c> bad tokens in a minute, every token it presents is refused with
/// 429 until the minute is over, valid or not, so guessing gains nothing from the answers. Valid tokens from other
/// addresses are unaffected. Each instance counts on its own.
/// </summary>
public sealed class TokenFailureLimiter(IConfiguration configuration, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly int _limit = configuration.GetValue("Portal:RateLimits:InvalidTokensPerMinute", 20);
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Start)> _failures = new();

    /// <summary>Null while the address may try; otherwise how long until it may again.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = clock.GetUtcNow();
        if (_failures.TryGetValue(address, out var f) && f.Count >= _limit && now - f.Start < Window)
        {
            return f.Start + Window - now;
        }

        return null;
    }

    public void Fail(string address)
    {
        var now = clock.GetUtcNow();
        _failures.AddOrUpdate(address, _ => (1, now), (_, f) => now - f.Start >= Window ? (1, now) : (f.Count + 1, f.Start));
        if (_failures.Count > 100_000)
        {
            foreach (var (key, value) in _failures)
            {
                if (now - value.Start >= Window)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }
}
