using Portal.Domain;

namespace Portal.Tests.Domain;

public sealed class TimelineAnchorSealTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly Guid Incident = Guid.Parse("0192f3a0-0000-7000-8000-000000000001");
    private static readonly string Head = new('a', 64);

    [Fact]
    public void A_seal_verifies_only_for_the_same_key_incident_count_and_head()
    {
        var anchor = TimelineAnchor.Create(Key, Incident, 5, Head);
        var otherKey = Key.Select(b => (byte)(b ^ 1)).ToArray();

        Assert.True(anchor.IsSealedBy(Key, Incident));
        Assert.False(anchor.IsSealedBy(otherKey, Incident));
        Assert.False(anchor.IsSealedBy(Key, Guid.NewGuid()));
        Assert.False((anchor with { Count = 4 }).IsSealedBy(Key, Incident));
        Assert.False((anchor with { Head = new string('b', 64) }).IsSealedBy(Key, Incident));
        Assert.False((anchor with { Seal = null }).IsSealedBy(Key, Incident));
        Assert.False((anchor with { Seal = "00" }).IsSealedBy(Key, Incident));
    }

    [Fact]
    public void A_key_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => TimelineAnchor.Create(new byte[31], Incident, 1, Head));
    }
}
