using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>Portal:Timeline:Key: required and checked outside Development, a public stand-in only in Development.</summary>
public sealed class TimelineKeyTests
{
    private static TimelineKey Load(string environment, string? key) => TimelineKey.Load(
        new ConfigurationBuilder().AddInMemoryCollection(key is null ? [] : [new KeyValuePair<string, string?>(TimelineKey.Setting, key)]).Build(),
        new HostingEnvironment { EnvironmentName = environment });

    [Fact]
    public void Without_a_key_only_Development_starts_and_then_with_the_public_stand_in()
    {
        var development = Load("Development", null);
        var production = Load("Production", null);
        var staging = Load("Staging", null);

        Assert.Null(development.Problem);
        Assert.True(development.IsDevelopmentDefault);
        Assert.Equal(32, development.Bytes.Length);
        Assert.Contains("is not set", production.Problem, StringComparison.Ordinal);
        Assert.Contains("is not set", staging.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_key_is_used_as_given_in_every_environment_and_a_short_one_is_refused_even_in_Development()
    {
        var bytes = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();

        var production = Load("Production", Convert.ToBase64String(bytes));

        Assert.Null(production.Problem);
        Assert.False(production.IsDevelopmentDefault);
        Assert.Equal(bytes, production.Bytes.ToArray());
        Assert.Contains("needs at least 32", Load("Development", Convert.ToBase64String(new byte[16])).Problem, StringComparison.Ordinal);
    }
}
