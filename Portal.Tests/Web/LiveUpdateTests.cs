using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Tests.Web;

/// <summary>How a pass's fragments are cut into <c>update</c> messages for watching pages.</summary>
public sealed class LiveUpdateTests
{
    private static readonly QuorumDocument Quorum = new(
        Guid.NewGuid(), 7, "stake", new QuorumThreshold(2, 3, true), "30", "10", "10", "20", "11", false, new ValidatorCounts(3, 1, 1, 0, 0, 1, 0));

    private static Fragment Row(int i, int length) => new($"validator-{i}", new string('x', length), 7);

    [Fact]
    public void A_lone_change_is_one_update_with_its_quorum_document()
    {
        Fragment[] fragments = [Row(0, 900), Row(1, 300), Row(2, 500)];

        var update = Assert.Single(LiveUpdate.Split(7, fragments, Quorum, 32 * 1024));

        Assert.Equal(fragments, update.Fragments);
        Assert.Same(Quorum, update.Quorum);
        Assert.Equal(7, update.Revision);
    }

    [Fact]
    public void A_burst_s_pass_is_cut_into_updates_of_the_size_in_order_with_the_quorum_document_on_the_last_only()
    {
        var fragments = Enumerable.Range(0, 500).Select(i => Row(i, 700 + (i % 13 * 50))).ToList();

        var updates = LiveUpdate.Split(7, fragments, Quorum, 32 * 1024);

        Assert.True(updates.Count > 10, $"{updates.Count} updates");
        Assert.Equal(fragments, updates.SelectMany(u => u.Fragments));
        Assert.All(updates, u => Assert.InRange(u.Fragments.Sum(f => f.Html.Length), 1, 32 * 1024));
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.Quorum));
        Assert.Same(Quorum, updates[^1].Quorum);
        Assert.All(updates, u => Assert.Equal(7, u.Revision));
    }

    [Fact]
    public void A_fragment_larger_than_the_size_travels_alone_and_whole()
    {
        Fragment[] fragments = [Row(0, 100), Row(1, 50_000), Row(2, 100)];

        var updates = LiveUpdate.Split(7, fragments, Quorum, 32 * 1024);

        Assert.Equal([1, 1, 1], updates.Select(u => u.Fragments.Count));
        Assert.Equal(50_000, updates[1].Fragments[0].Html.Length);
        Assert.Same(Quorum, updates[^1].Quorum);
    }
}
