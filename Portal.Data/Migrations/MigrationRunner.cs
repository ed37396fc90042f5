using Microsoft.Extensions.Logging;
using Npgsql;

namespace Portal.Data.Migrations;

/// <summary>An applied migration whose file has changed since: the database and the code no longer agree.</summary>
public sealed class MigrationTamperedException(string message) : Exception(message);

/// <summary>The portal's database role cannot be set up as configured (decision 0007).</summary>
public sealed class DatabaseRoleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Applies the SQL files in order, each in its own transaction together with its journal row, under a
/// PostgreSQL advisory lock so that instances starting together apply each file exactly once. Refuses to run
/// when a file that was applied has since changed: an applied migration is history, and editing it would
/// leave databases that ran the old text silently different from new ones.
/// <para>
/// With <see cref="AppRole"/> set, the runner connects as the owner of the tables and, after migrating (every
/// start, in one transaction), gives the portal's own role exactly what it needs: rows in every table, no
/// schema changes, and no UPDATE or DELETE on the append-only timeline (decision 0007).
/// </para>
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

    /// <summary>The role the portal runs as, when it differs from the role migrating (the owner); null for one role.</summary>
    public string? AppRole { get; init; }

    /// <summary>The app role's password, used only to create the role when it does not exist yet.</summary>
    public string? AppRolePassword { get; init; }

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
            if (AppRole is null)
            {
                await WarnIfPrivilegedAsync(connection, cancellationToken);
            }
            else
            {
                await GrantAsync(connection, AppRole, cancellationToken);
            }

            return done;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Rows in every table, sequences for inserts, nothing else: the app role owns no table, so it can neither
    /// ALTER one nor disable the timeline's trigger, and it may never UPDATE or DELETE a timeline entry. Default
    /// privileges make tables a later migration creates usable at once; a later append-only table must revoke
    /// UPDATE and DELETE here as the timeline does.
    /// </summary>
    private async Task GrantAsync(NpgsqlConnection connection, string appRole, CancellationToken cancellationToken)
    {
        await EnsureRoleAsync(connection, appRole, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string schema;
        await using (var current = new NpgsqlCommand("SELECT current_schema()", connection, transaction))
        {
            schema = (string)(await current.ExecuteScalarAsync(cancellationToken))!;
        }

        var role = QuoteIdentifier(appRole);
        var inSchema = QuoteIdentifier(schema);
        var sql = $"""
            GRANT USAGE ON SCHEMA {inSchema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {inSchema} TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {inSchema} TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON timeline_events FROM {role};
            REVOKE ALL ON schema_migrations FROM {role};
            ALTER DEFAULT PRIVILEGES IN SCHEMA {inSchema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
            ALTER DEFAULT PRIVILEGES IN SCHEMA {inSchema} GRANT USAGE, SELECT ON SEQUENCES TO {role};
            """;
        await using (var grant = new NpgsqlCommand(sql, connection, transaction))
        {
            await grant.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogGranted(appRole);
    }

    private async Task EnsureRoleAsync(NpgsqlConnection connection, string appRole, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = $1", connection);
        find.Parameters.Add(new NpgsqlParameter { Value = appRole });
        var privileged = await find.ExecuteScalarAsync(cancellationToken);
        if (privileged is true)
        {
            LogPrivileged(appRole);
        }

        if (privileged is not null)
        {
            return;
        }

        if (AppRolePassword is null)
        {
            throw new DatabaseRoleException($"The portal's database role '{appRole}' does not exist; create it (LOGIN, no other attribute) or give its password in the connection string.");
        }

        try
        {
            // Utility statements take no parameters: format() quotes the name and the password server-side.
            await using var build = new NpgsqlCommand("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1, $2)", connection);
            build.Parameters.Add(new NpgsqlParameter { Value = appRole });
            build.Parameters.Add(new NpgsqlParameter { Value = AppRolePassword });
            var create = (string)(await build.ExecuteScalarAsync(cancellationToken))!;
            await ExecuteAsync(connection, create, cancellationToken);
            LogCreated(appRole);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new DatabaseRoleException($"The portal's database role '{appRole}' does not exist and the owner role may not create roles; create it (LOGIN, no other attribute).", ex);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
        {
            // Another instance created it a moment ago.
        }
    }

    /// <summary>With a single connection the portal migrates and runs as one role; say so when that role could undo the timeline's guard.</summary>
    private async Task WarnIfPrivilegedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'USAGE')
            FROM pg_roles r, pg_class c
            WHERE r.rolname = current_user AND c.oid = to_regclass('timeline_events')
            """, connection);
        if (await command.ExecuteScalarAsync(cancellationToken) is true)
        {
            LogSingleRole();
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Granted the portal's role {Role} its table rights (no UPDATE or DELETE on the timeline)")]
    private partial void LogGranted(string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the portal's database role {Role}")]
    private partial void LogCreated(string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portal's database role {Role} is a superuser or bypasses row security: it could still undo the timeline's guard")]
    private partial void LogPrivileged(string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portal runs as the owner of its tables (ConnectionStrings:PortalOwner is not set): it could disable the timeline's append-only trigger; docs/operations.md says how to split the roles")]
    private partial void LogSingleRole();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database has migration {Migration} which this build does not know; it was probably applied by a newer version")]
    private partial void LogUnknown(string migration);
}
