using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Portal.Web.Features.Live;

/// <summary>
/// SignalR's in-memory lifetime manager, with group sends that never wait on the slowest watcher: each message
/// is serialized once and written to every member; members whose write has not completed within
/// <c>Portal:Live:SlowWatcherSeconds</c> (their connection's buffer is full: a phone on a bad network, a stalled
/// tab) are disconnected. Their client reconnects, subscribes again and catches up by revision, as after any
/// drop; everyone else's next change is not held up behind them, and the broadcaster's pass stays bounded.
/// </summary>
public sealed partial class BoundedHubLifetimeManager<THub>(ILoggerFactory loggers, IConfiguration configuration)
    : DefaultHubLifetimeManager<THub>(loggers.CreateLogger<DefaultHubLifetimeManager<THub>>())
    where THub : Hub
{
    private readonly ILogger _logger = loggers.CreateLogger<BoundedHubLifetimeManager<THub>>();

    private readonly TimeSpan _budget = TimeSpan.FromSeconds(configuration.GetValue("Portal:Live:SlowWatcherSeconds", 5.0));
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _groups = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections[connection.ConnectionId] = connection;
        await base.OnConnectedAsync(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
        foreach (var (name, members) in _groups)
        {
            if (members.TryRemove(connection.ConnectionId, out _) && members.IsEmpty)
            {
                _groups.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, HubConnectionContext>>(name, members));
            }
        }

        await base.OnDisconnectedAsync(connection);
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await base.AddToGroupAsync(connectionId, groupName, cancellationToken);
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            _groups.GetOrAdd(groupName, _ => new(StringComparer.Ordinal))[connectionId] = connection;
        }
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await base.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
        if (_groups.TryGetValue(groupName, out var members))
        {
            members.TryRemove(connectionId, out _);
        }
    }

    /// <summary>Whether any connection of this instance is in <paramref name="groupName"/> (nothing to render for it otherwise).</summary>
    public bool HasMembers(string groupName) => _groups.TryGetValue(groupName, out var members) && !members.IsEmpty;

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendGroupsAsync([groupName], methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupNames);
        var members = new Dictionary<string, HubConnectionContext>(StringComparer.Ordinal);
        foreach (var name in groupNames)
        {
            if (_groups.TryGetValue(name, out var group))
            {
                foreach (var (id, connection) in group)
                {
                    members.TryAdd(id, connection);
                }
            }
        }

        return members.Count == 0 ? Task.CompletedTask : WriteBoundedAsync(members.Values, new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);
    }

    private async Task WriteBoundedAsync(IEnumerable<HubConnectionContext> members, SerializedHubMessage message, CancellationToken cancellationToken)
    {
        List<(HubConnectionContext Connection, Task Write)>? waiting = null;
        foreach (var connection in members)
        {
            var write = connection.WriteAsync(message, cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                (waiting ??= []).Add((connection, write.AsTask()));
            }
        }

        if (waiting is null)
        {
            return;
        }

        var all = Task.WhenAll(waiting.Select(w => w.Write));
        if (await Task.WhenAny(all, Task.Delay(_budget, cancellationToken)) == all)
        {
            await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        var slow = waiting.Where(w => !w.Write.IsCompleted).ToList();
        foreach (var (connection, _) in slow)
        {
            connection.Abort();
        }

        LogDroppedSlowWatchers(slow.Count, _budget.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected {Count} watchers that took longer than {Seconds} s to take a message; they reconnect and catch up by revision")]
    private partial void LogDroppedSlowWatchers(int count, double seconds);
}
