using System.Text.Json;
using Npgsql;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Live;

/// <summary>
/// Holds one connection that LISTENs on <see cref="IncidentWrites.Channel"/>. PostgreSQL delivers a
/// notification to every listening instance when the transaction that raised it commits, so watchers on any
/// instance see changes made on any other, with no broker besides the database. If the connection drops, it
/// reconnects with back-off; watchers whose page fell behind meanwhile catch up by revision. The same connection
/// hears <see cref="PrincipalCache.Channel"/>, on which the database announces changes to tokens, users and roles.
/// </summary>
public sealed partial class IncidentChangeListener(
    NpgsqlDataSource dataSource, IncidentBroadcaster broadcaster, PrincipalCache principals, IncidentProjections projections,
    ILogger<IncidentChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {IncidentWrites.Channel}; LISTEN {PrincipalCache.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // From here on invalidations are heard: whatever changed while not listening is forgotten.
                principals.Listening(true);

                // Notices sent while not listening are lost: every projection is read afresh and re-broadcast in
                // full, so watchers (and circuits) that fell behind catch up by revision.
                projections.Listening(true);
                foreach (var incidentId in projections.Known)
                {
                    broadcaster.Enqueue(new IncidentChanged(incidentId, 0, [], AllValidators: true, ChangedParts.Release | ChangedParts.Snapshots));
                }

                LogListening(IncidentWrites.Channel);
                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                principals.Listening(false);
                projections.Listening(false);
                LogDisconnected(ex, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == PrincipalCache.Channel)
        {
            if (Guid.TryParse(e.Payload, out var userId))
            {
                principals.Forget(userId);
            }

            return;
        }

        if (JsonSerializer.Deserialize<IncidentChanged>(e.Payload, JsonSerializerOptions.Web) is { } change)
        {
            broadcaster.Enqueue(change);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for incident changes on channel {Channel}")]
    private partial void LogListening(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the change-notification connection; retrying in {Seconds} s")]
    private partial void LogDisconnected(Exception exception, double seconds);
}
