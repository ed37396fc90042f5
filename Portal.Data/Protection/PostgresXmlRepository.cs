using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Portal.Data.Protection;

/// <summary>
/// Keeps the Data Protection key ring in PostgreSQL, so cookies and antiforgery tokens survive a restart and
/// are honoured by every instance. (The EF Core Data Protection package is not available on our feed; this is
/// the whole of what it would do.) Keys are written once and never updated, which is all the key manager asks.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY id");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
