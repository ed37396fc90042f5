using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>POST /api/v1/users and the bearer tokens it hands out, per API.md.</summary>
public sealed class UserApiTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(Guid NetworkId, string Key)> DemoValidatorAsync(int seat = 0)
    {
        var networkId = await portal.Database.ScalarAsync<Guid>("SELECT id FROM networks WHERE chain_id = 'cybermiles-mainnet'");
        var key = await portal.Database.ScalarAsync<string>($"SELECT key FROM validators ORDER BY name OFFSET {seat} LIMIT 1");
        return (networkId, key!);
    }

    [Fact]
    public async Task An_admin_creates_an_operator_bound_to_a_validator_and_the_returned_token_works_at_once()
    {
        var (networkId, key) = await DemoValidatorAsync();
        var response = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json($$"""
            {"userName": "taipei-ops", "email": "ops@taipei.example", "roles": ["operator"], "validators": [{"networkId": "{{networkId}}", "key": "{{key}}"}]}
            """));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = created.RootElement.GetProperty("token").GetString()!;
        Assert.Equal("taipei-ops", created.RootElement.GetProperty("userName").GetString());
        Assert.Equal(["operator"], created.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.StartsWith("vcp_", token, StringComparison.Ordinal);
        // Without Portal:PublicUrl the link is built from the request's origin.
        Assert.StartsWith("http://localhost/account/accept-invitation?", created.RootElement.GetProperty("invitationUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/api/v1/users/{created.RootElement.GetProperty("id").GetGuid()}", response.Headers.Location?.ToString());

        var me = await portal.CreateApiClient(token).GetFromJsonAsync<JsonElement>(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal("taipei-ops", me.GetProperty("userName").GetString());
        Assert.Equal(key, me.GetProperty("validators")[0].GetProperty("key").GetString());

        // Stored only as a hash: the plain token appears nowhere in the database.
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM api_tokens WHERE encode(hash, 'escape') LIKE '%{token[4..12]}%' OR hint = '{token}'"));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM api_tokens WHERE hash = sha256('{token}'::bytea)"));
    }

    [Theory]
    [InlineData("{\"userName\": \"x\", \"roles\": [\"operator\"", "malformed JSON")]
    [InlineData("{\"userName\": 42, \"roles\": [\"operator\"]}", "a number for a string")]
    [InlineData("{\"userName\": \"x\", \"roles\": \"operator\"}", "a string for an array")]
    [InlineData("[1, 2, 3]", "an array for an object")]
    public async Task Unreadable_bodies_are_400_problems_and_create_nothing(string body, string because)
    {
        var before = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users");

        var response = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json(body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, because);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users"));
    }

    [Theory]
    [InlineData("{\"userName\": \"\", \"roles\": [\"operator\"]}", "userName")]
    [InlineData("{\"userName\": \"nobody-role\", \"roles\": []}", "roles")]
    [InlineData("{\"userName\": \"bad-role\", \"roles\": [\"superuser\"]}", "roles")]
    [InlineData("{\"userName\": \"bad name with spaces\", \"roles\": [\"observer\"]}", "userName")]
    public async Task Invalid_fields_are_named_in_the_errors_map(string body, string field)
    {
        var response = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_validators_and_bindings_for_non_operators_are_refused()
    {
        var (networkId, key) = await DemoValidatorAsync(1);

        var unknown = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json($$"""
            {"userName": "ghost-op", "roles": ["operator"], "validators": [{"networkId": "{{networkId}}", "key": "no-such-key"}]}
            """));
        var notOperator = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json($$"""
            {"userName": "watcher", "roles": ["observer"], "validators": [{"networkId": "{{networkId}}", "key": "{{key}}"}]}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("validators[0]", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notOperator.StatusCode);
        Assert.Contains("only to a user with the operator role", await notOperator.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE user_name IN ('ghost-op', 'watcher')"));
    }

    [Fact]
    public async Task A_duplicate_user_name_is_a_409_conflict()
    {
        var first = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json("""{"userName": "twice", "roles": ["observer"]}"""));
        var second = await portal.CreateApiClient().PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json("""{"userName": "TWICE", "roles": ["observer"]}"""));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Without_a_token_the_api_answers_401_with_a_problem_and_a_bearer_challenge()
    {
        var response = await portal.CreateApiClient(token: null).PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json("""{"userName": "anon", "roles": ["observer"]}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Authorization: Bearer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_made_up_token_is_401()
    {
        var response = await portal.CreateApiClient("vcp_not-a-real-token-at-all-0000000000000000").GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_non_admin_is_403_on_user_creation_and_nothing_is_created()
    {
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);

        var response = await portal.CreateApiClient(commander.Token).PostAsync(new Uri("/api/v1/users", UriKind.Relative), Json("""{"userName": "sneaky", "roles": ["admin"]}"""));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE user_name = 'sneaky'"));
    }

    [Fact]
    public async Task A_revoked_token_is_401_from_the_next_request_on()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateApiClient(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<Portal.Web.Features.Accounts.ApiTokens>();
            var id = (await tokens.ListAsync(user.Id)).Single().Id;
            Assert.True(await tokens.RevokeAsync(user.Id, user.UserName, id));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'token-revoked' AND user_id = '{user.Id}'"));
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        await portal.Database.ExecuteAsync($"UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = '{user.Id}'");

        var response = await portal.CreateApiClient(user.Token).GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("revoked or expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Using_a_token_records_when_it_was_last_used()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM api_tokens WHERE user_id = '{user.Id}' AND last_used_at IS NOT NULL"));

        await portal.CreateApiClient(user.Token).GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM api_tokens WHERE user_id = '{user.Id}' AND last_used_at IS NOT NULL"));
    }

    [Fact]
    public async Task The_bootstrap_admin_exists_once_with_the_configured_token()
    {
        var me = await portal.CreateApiClient().GetFromJsonAsync<JsonElement>(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal("admin", me.GetProperty("userName").GetString());
        Assert.Equal(["admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE user_name = 'admin'"));
    }
}
