using Portal.Web.Features.Demo;

namespace Portal.Tests.Infrastructure;

/// <summary>The seeded CyberMiles incident: its id and the keys of its 24 validators, by seat.</summary>
public sealed record DemoIncident(Guid Id, IReadOnlyList<string> Keys, IReadOnlyList<Guid> ValidatorIds)
{
    public static async Task<DemoIncident> LoadAsync(PortalFactory portal)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var id = await portal.Database.ScalarAsync<Guid>($"SELECT i.id FROM incidents i JOIN networks n ON n.id = i.network_id WHERE n.chain_id = '{DemoSeeder.ChainId}'");
        await using var dataSource = portal.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "SELECT v.key, v.id FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id ORDER BY v.name");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
            ids.Add(reader.GetGuid(1));
        }

        return new DemoIncident(id, keys, ids);
    }
}
