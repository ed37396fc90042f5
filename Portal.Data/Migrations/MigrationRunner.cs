using Microsoft.Extensions.Logging;
using Npgsql;

namespace Portal.Data.Migrations;

/// <summary>An applied migration whose file has changed since: the database and the code no longer agree.</summary>
public sealed class MigrationTamperedException(string message) : Exception(message);

/// <summary>
/// Applies the SQL files in order, each in its own transaction together with its journal row, under a
/// PostgreSQL advisory lock so that instances starting together apply each file exactly once. Refuses to run
/// when a file that was applied has since changed: an applied migration is history, and editing it would
/// leave databases that ran the old text silently different from new ones.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>An arbitrary constant naming this lock among any others the database's users take.</summary>
    public const long AdvisoryLockKey = 0x504F5254414C; // "PORTAL"

    private const string JournalDdl = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            name text PRIMARY KEY,
            sha256 char(64) NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <returns>The names of the files applied by this call (empty when the schema was current).</returns>
    public async Task<IReadOnlyList<string>> MigrateAsync(IReadOnlyList<MigrationScript> scripts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Session-level lock: held across the per-file transactions, released on unlock or disconnect.
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, JournalDdl, cancellationToken);
            var applied = await ReadJournalAsync(connection, cancellationToken);
            CheckUnchanged(scripts, applied);

            var done = new List<string>();
            foreach (var script in scripts.Where(s => !applied.ContainsKey(s.Name)))
            {
                LogApplying(script.Name);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(script.Sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var journal = new NpgsqlCommand("INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", connection, transaction))
                {
                    journal.Parameters.Add(new NpgsqlParameter { Value = script.Name });
                    journal.Parameters.Add(new NpgsqlParameter { Value = script.Sha256 });
                    await journal.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                done.Add(script.Name);
            }

            LogCurrent(scripts.Count, done.Count);
            return done;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private void CheckUnchanged(IReadOnlyList<MigrationScript> scripts, Dictionary<string, string> applied)
    {
        foreach (var script in scripts)
        {
            if (applied.TryGetValue(script.Name, out var sha) && sha != script.Sha256)
            {
                throw new MigrationTamperedException(
                    $"Migration {script.Name} was applied with SHA-256 {sha} but the file now hashes to {script.Sha256}. " +
                    "Applied migrations must never be edited: restore the file and put the change in a new migration.");
            }
        }

        foreach (var name in applied.Keys.Except(scripts.Select(s => s.Name)))
        {
            LogUnknown(name);
        }
    }

    private static async Task<Dictionary<string, string>> ReadJournalAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT name, sha256 FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Migration}")]
    private partial void LogApplying(string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is current: {Total} migrations, {Applied} applied now")]
    private partial void LogCurrent(int total, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database has migration {Migration} which this build does not know; it was probably applied by a newer version")]
    private partial void LogUnknown(string migration);
}
