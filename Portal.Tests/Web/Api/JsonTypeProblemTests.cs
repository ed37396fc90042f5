using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>A JSON value of the wrong kind is a 400 that says what kind was expected, never the portal's type names.</summary>
public sealed class JsonTypeProblemTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("[]", null, "could not be read as the kind of value the API documents here")]
    [InlineData("\"08:00\"", null, "could not be read as the kind of value the API documents here")]
    [InlineData("{\"wakeFrom\": 8, \"wakeUntil\": \"22:00\"}", "wakeFrom", "could not be read")]
    [InlineData("{\"wakeFrom\": [\"08:00\"], \"wakeUntil\": \"22:00\"}", "wakeFrom", "could not be read")]
    public async Task A_body_or_field_of_the_wrong_kind_is_named_in_words_without_internal_type_names(string body, string? field, string expected)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 1);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validators/{scenario.Keys[0]}/waking-window"), content);

        var problem = field is null ? await Api.ProblemAsync(response, HttpStatusCode.BadRequest) : await Api.ProblemAsync(response, HttpStatusCode.BadRequest, field);
        var text = problem.GetRawText();
        Assert.True(text.Contains(expected, StringComparison.Ordinal), text);
        Assert.DoesNotContain("Portal.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.Equal("480|1320", await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{scenario.Keys[0]}'"));
    }
}
