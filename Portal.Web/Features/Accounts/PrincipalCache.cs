using System.Collections.Concurrent;

namespace Portal.Web.Features.Accounts;

/// <summary>What an API token stood for when it was last read: whose it is, their roles, until when it is valid.</summary>
public sealed record CachedToken(Guid TokenId, Guid UserId, string UserName, IReadOnlyList<string> Roles, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>A user as <see cref="CallerAccess"/> last read them.</summary>
public sealed record CachedUser(string UserName, bool Disabled, IReadOnlySet<string> Roles);

/// <summary>
/// Token → principal and user → roles, kept for a few seconds so the hot path (a burst of status reports) does
/// not authenticate and authorize every request with four queries. Correctness comes from invalidation, not
/// the short lifetime: a trigger notifies every instance on the commit of any change to a token, a user's
/// disabled flag or name, or their roles (<c>principal_changes</c>, heard by <c>IncidentChangeListener</c>),
/// and the instance that made the change also forgets at once. While the listening connection is down nothing
/// is cached (invalidations could be missed), and everything is forgotten when it comes back.
/// </summary>
public sealed class PrincipalCache(TimeProvider clock, IConfiguration configuration)
{
    public const string Channel = "principal_changes";

    /// <summary>How long an entry may be used at most; invalidation, not this, is what makes changes immediate.</summary>
    private readonly TimeSpan _lifetime = TimeSpan.FromSeconds(configuration.GetValue("Portal:Auth:PrincipalCacheSeconds", 15));

    private readonly ConcurrentDictionary<string, (CachedToken Entry, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, (CachedUser Entry, DateTimeOffset Until)> _users = new();
    private long _generation;
    private volatile bool _listening;

    /// <summary>Changes on every invalidation: a read that started before one must not be stored after it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGetToken(byte[] hash, out CachedToken token)
    {
        ArgumentNullException.ThrowIfNull(hash);
        token = null!;
        if (!_listening || !_tokens.TryGetValue(Convert.ToHexString(hash), out var found) || found.Until <= clock.GetUtcNow())
        {
            return false;
        }

        token = found.Entry;
        return true;
    }

    public void StoreToken(byte[] hash, CachedToken token, long readAtGeneration)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(token);
        Store(_tokens, Convert.ToHexString(hash), token, readAtGeneration);
    }

    public bool TryGetUser(Guid userId, out CachedUser user)
    {
        user = null!;
        if (!_listening || !_users.TryGetValue(userId, out var found) || found.Until <= clock.GetUtcNow())
        {
            return false;
        }

        user = found.Entry;
        return true;
    }

    public void StoreUser(Guid userId, CachedUser user, long readAtGeneration) => Store(_users, userId, user, readAtGeneration);

    /// <summary>Forgets the user and every token of theirs (a role change, disabling, a revoked token).</summary>
    public void Forget(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        _users.TryRemove(userId, out _);
        foreach (var (hash, (entry, _)) in _tokens)
        {
            if (entry.UserId == userId)
            {
                _tokens.TryRemove(hash, out _);
            }
        }
    }

    /// <summary>Called with the listening connection's state: caching only while invalidations can be heard.</summary>
    public void Listening(bool listening)
    {
        _listening = listening;
        Interlocked.Increment(ref _generation);
        _users.Clear();
        _tokens.Clear();
    }

    private void Store<TKey, TValue>(ConcurrentDictionary<TKey, (TValue Entry, DateTimeOffset Until)> map, TKey key, TValue value, long readAtGeneration)
        where TKey : notnull
    {
        if (!_listening)
        {
            return;
        }

        var stored = (value, clock.GetUtcNow() + _lifetime);
        map[key] = stored;

        // An invalidation that ran while this was being read (before or after the store) wins.
        if (Generation != readAtGeneration)
        {
            map.TryRemove(new KeyValuePair<TKey, (TValue, DateTimeOffset)>(key, stored));
        }
    }
}
