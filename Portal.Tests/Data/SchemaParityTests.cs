using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Portal.Tests.Data;

/// <summary>
/// The SQL files own the schema and EF only maps it, so nothing but this test stops the two from drifting:
/// every table and column of the model must exist in the migrated database with the same type and nullability.
/// </summary>
public sealed class SchemaParityTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private sealed record DbColumn(string Type, bool Nullable);

    [Fact]
    public async Task Every_model_column_exists_in_the_migrated_schema_with_the_same_type_and_nullability()
    {
        var schema = await ReadSchemaAsync();
        await using var context = db.CreateContext();
        var problems = new List<string>();
        var checkedColumns = 0;

        foreach (var entity in context.Model.GetEntityTypes().Where(e => !e.IsMappedToJson()))
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            if (!schema.ContainsKey(table))
            {
                problems.Add($"table {table} is in the model but not in the migrations");
                continue;
            }

            foreach (var property in entity.GetFlattenedProperties())
            {
                var column = property.GetColumnName(store)!;
                if (column == "xmin")
                {
                    continue; // a system column of every PostgreSQL row, used for concurrency
                }

                checkedColumns++;
                if (!schema[table].TryGetValue(column, out var actual))
                {
                    problems.Add($"{table}.{column} is in the model but not in the migrations");
                    continue;
                }

                var expectedType = Normalize(property.GetColumnType(store));
                if (expectedType != actual.Type)
                {
                    problems.Add($"{table}.{column}: model says {expectedType}, migrations say {actual.Type}");
                }

                if (property.IsColumnNullable(store) != actual.Nullable)
                {
                    problems.Add($"{table}.{column}: model nullable={property.IsColumnNullable(store)}, migrations nullable={actual.Nullable}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(checkedColumns > 20, $"only {checkedColumns} columns were compared; is the model empty?");
    }

    [Fact]
    public async Task Every_migrated_table_is_mapped_by_the_model()
    {
        var schema = await ReadSchemaAsync();
        await using var context = db.CreateContext();
        var mapped = context.Model.GetEntityTypes().Select(e => e.GetTableName()).ToHashSet();


        var unmapped = schema.Keys.Where(t => t is not ("schema_migrations" or "data_protection_keys") && !mapped.Contains(t)).ToList();

        Assert.True(unmapped.Count == 0, "tables without a model: " + string.Join(", ", unmapped));
    }

    private async Task<Dictionary<string, Dictionary<string, DbColumn>>> ReadSchemaAsync()
    {
        await using var command = db.DataSource.CreateCommand("""
            SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod), c.is_nullable = 'YES'
            FROM information_schema.columns c
            JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
                               AND a.attname = c.column_name
            WHERE c.table_schema = 'public'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var schema = new Dictionary<string, Dictionary<string, DbColumn>>();
        while (await reader.ReadAsync())
        {
            var table = reader.GetString(0);
            if (!schema.TryGetValue(table, out var columns))
            {
                schema[table] = columns = [];
            }

            columns[reader.GetString(1)] = new DbColumn(Normalize(reader.GetString(2)), reader.GetBoolean(3));
        }

        return schema;
    }

    /// <summary>EF and PostgreSQL spell some types differently; both sides go through this.</summary>
    private static string Normalize(string? type) => (type ?? "").ToLowerInvariant() switch
    {
        "timestamptz" => "timestamp with time zone",
        "int" or "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        var t when t.StartsWith("varchar(", StringComparison.Ordinal) => "character varying" + t["varchar".Length..],
        var t when t.StartsWith("char(", StringComparison.Ordinal) => "character" + t["char".Length..],
        var t => t.Replace(", ", ",", StringComparison.Ordinal),
    };
}
