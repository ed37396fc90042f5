using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Domain;

namespace Portal.Data;

/// <summary>
/// The one context. The schema itself is owned by the SQL files in <c>migrations/</c>; the model here must
/// match them, which a test checks column by column. Identity's tables are part of the same context so
/// that a user, their roles and their validator bindings change in one transaction.
/// </summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<Network> Networks => Set<Network>();
    public DbSet<Validator> Validators => Set<Validator>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<IncidentValidator> IncidentValidators => Set<IncidentValidator>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<OperatorBinding> OperatorBindings => Set<OperatorBinding>();
    public DbSet<SecurityEvent> SecurityEvents => Set<SecurityEvent>();
    public DbSet<Release> Releases => Set<Release>();
    public DbSet<TimelineEvent> TimelineEvents => Set<TimelineEvent>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Snapshot> Snapshots => Set<Snapshot>();
    public DbSet<Chain.NetworkChain> NetworkChains => Set<Chain.NetworkChain>();
    public DbSet<Chain.IncidentChain> IncidentChains => Set<Chain.IncidentChain>();
    public DbSet<Chain.ValidatorChainMark> ValidatorChainMarks => Set<Chain.ValidatorChainMark>();
    public DbSet<Paging.NotificationSettings> NotificationSettings => Set<Paging.NotificationSettings>();
    public DbSet<Paging.SecondaryContact> SecondaryContacts => Set<Paging.SecondaryContact>();
    public DbSet<Paging.Page> Pages => Set<Paging.Page>();
    public DbSet<Paging.Reminder> Reminders => Set<Paging.Reminder>();
    public DbSet<Notifications.OutboxMessage> OutboxMessages => Set<Notifications.OutboxMessage>();
    public DbSet<Notifications.WebhookSubscription> WebhookSubscriptions => Set<Notifications.WebhookSubscription>();
    public DbSet<Reports.ValidatorReport> ValidatorReports => Set<Reports.ValidatorReport>();

    /// <summary>
    /// Options for a context built outside the web host (tools, tests). Identity reads its schema version
    /// (3, with passkeys) from <see cref="IdentityOptions"/> in the application services, so those come too.
    /// </summary>
    public static DbContextOptions<PortalDbContext> StandaloneOptions(NpgsqlDataSource dataSource) =>
        new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(dataSource)
            .UseApplicationServiceProvider(IdentityModelServices.Value)
            .Options;

    private static readonly Lazy<IServiceProvider> IdentityModelServices = new(() =>
        new ServiceCollection().Configure<IdentityOptions>(ServiceCollectionExtensions.ConfigureIdentityStore).BuildServiceProvider());

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
        ApplySnakeCaseNames(builder);
    }

    /// <summary>
    /// PostgreSQL folds unquoted identifiers to lower case, so the SQL files use snake_case and so does the
    /// model. Names set explicitly in a configuration are kept.
    /// </summary>
    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        // Owned types (Identity's passkey data) are stored as JSON inside their owner's row: no names of their own.
        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => !e.IsOwned()))
        {
            if (entity.GetTableName() is { } table && entity.FindAnnotation("Relational:TableName") is null)
            {
                entity.SetTableName(ToSnakeCase(table));
            }

            foreach (var property in entity.GetProperties())
            {
                if (property.FindAnnotation("Relational:ColumnName") is null)
                {
                    property.SetColumnName(ToSnakeCase(property.Name));
                }
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetDefaultName() ?? key.GetName()!));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(ToSnakeCase(foreignKey.GetDefaultName() ?? foreignKey.GetConstraintName()!));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(ToSnakeCase(index.GetDefaultDatabaseName() ?? index.GetDatabaseName()!));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
