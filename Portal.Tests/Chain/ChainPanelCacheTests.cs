using Portal.Domain;
using Portal.Web.Features.Chain;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Chain;

/// <summary>The consoles showing one published incident view read the chain panel once between them.</summary>
public sealed class ChainPanelCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 22, 30, 0, TimeSpan.Zero);

    private static IncidentView View()
    {
        var network = Network.Create("CyberMiles", "cmt-" + Guid.NewGuid().ToString("N")[..8], QuorumRule.TwoThirdsOfStake, Now, DisplayUnit.Create(18, "CMT"));
        var incident = Incident.Declare(network, "CVM crash halts mainnet", BlockHeight.Create(1_724_747), null, Now);
        var quorum = Quorum.Evaluate(network.Quorum, []);
        return new IncidentView(incident, network, [], quorum, [], null, [], [], [], Now);
    }

    private static ChainPanelModel Model() => new(null, null, 0, [], false, Now);

    [Fact]
    public async Task One_view_is_read_once_for_every_console_and_a_new_view_afresh()
    {
        var cache = new ChainPanelCache();
        var view = View();
        var reads = 0;
        Task<ChainPanelModel> Load(IncidentView _)
        {
            Interlocked.Increment(ref reads);
            return Task.FromResult(Model());
        }

        var first = await cache.GetAsync(view, Load);
        for (var console = 0; console < 199; console++)
        {
            Assert.Same(first, await cache.GetAsync(view, Load));
        }

        Assert.Equal(1, reads);

        // An equal but newer view (records compare by value) is another publication: read again.
        var next = view with { };
        Assert.NotSame(first, await cache.GetAsync(next, Load));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task A_failed_read_is_not_kept()
    {
        var cache = new ChainPanelCache();
        var view = View();
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync(view, _ => Task.FromException<ChainPanelModel>(new InvalidOperationException("database gone"))));

        var model = Model();
        Assert.Same(model, await cache.GetAsync(view, _ => Task.FromResult(model)));
    }
}
