using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;

namespace Portal.Tests.Web;

/// <summary>
/// API tokens are resolved to a principal once and kept (here for an hour, so only invalidation can explain a
/// change being seen): a role change, disabling the user or revoking the token made on one instance, or by SQL
/// outside the portal, reaches the other instance's cache through the database's notification.
/// </summary>
public sealed class PrincipalCacheTests : TwoInstances<PrincipalCacheTests.LongCachePortal>
{
    private static readonly KeyValuePair<string, string>[] LongCache = [new("Portal:Auth:PrincipalCacheSeconds", "3600")];

    private static readonly string[] Commander = ["commander"];

    protected override PortalFactory CreateSecond(TestDatabase database) => new SameDatabasePortal(database, LongCache);

    private static async Task<HttpResponseMessage> MeAsync(PortalFactory portal, string token) =>
        await portal.CreateApiClient(token).GetAsync(new Uri("/api/v1/me", UriKind.Relative));

    private static async Task<string[]> RolesAsync(PortalFactory portal, string token)
    {
        var response = await MeAsync(portal, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Asks again until <paramref name="seen"/> holds: notifications arrive on commit, not before the answer.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> seen)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await seen())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The other instance never saw the change.");
    }

    private static async Task WaitListeningAsync(PortalFactory portal, TestUser user)
    {
        // The listener starts with the host; until it listens, nothing is cached.
        var cache = portal.Services.GetRequiredService<PrincipalCache>();
        await EventuallyAsync(async () =>
        {
            await MeAsync(portal, user.Token);
            return cache.TryGetUser(user.Id, out _) || cache.TryGetToken(Portal.Data.Identity.ApiToken.HashOf(user.Token), out _);
        });
    }

    [Fact]
    public async Task The_principal_is_cached_so_a_change_that_announces_nothing_is_not_seen()
    {
        var user = await TestUsers.CreateAsync(A, ["observer"]);
        await WaitListeningAsync(B, user);

        await A.Database.ExecuteAsync($"""
            BEGIN;
            ALTER TABLE users DISABLE TRIGGER users_principal_change;
            UPDATE users SET disabled_at = now() WHERE id = '{user.Id}';
            ALTER TABLE users ENABLE TRIGGER users_principal_change;
            COMMIT;
            """);

        Assert.Equal(HttpStatusCode.OK, (await MeAsync(B, user.Token)).StatusCode);
    }

    [Fact]
    public async Task A_role_change_on_one_instance_reaches_the_cache_of_the_other()
    {
        var user = await TestUsers.CreateAsync(A, ["observer"]);
        await WaitListeningAsync(B, user);
        Assert.Equal(["observer"], await RolesAsync(B, user.Token));

        var changed = await A.CreateApiClient().PutAsJsonAsync(new Uri($"/api/v1/users/{user.Id}", UriKind.Relative), new { roles = Commander });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(["commander"], await RolesAsync(A, user.Token));
        await EventuallyAsync(async () => (await RolesAsync(B, user.Token)).SequenceEqual(["commander"]));
    }

    [Fact]
    public async Task Disabling_the_user_on_one_instance_refuses_their_token_on_the_other()
    {
        var user = await TestUsers.CreateAsync(A, ["operator"]);
        await WaitListeningAsync(B, user);

        var changed = await A.CreateApiClient().PutAsJsonAsync(new Uri($"/api/v1/users/{user.Id}", UriKind.Relative), new { disabled = true });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await MeAsync(A, user.Token)).StatusCode);
        await EventuallyAsync(async () => (await MeAsync(B, user.Token)).StatusCode == HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revoking_the_token_on_one_instance_refuses_it_on_the_other()
    {
        var user = await TestUsers.CreateAsync(A, ["observer"]);
        await WaitListeningAsync(B, user);
        var tokenId = Guid.Parse(await A.Database.ScalarAsync<string>($"SELECT id::text FROM api_tokens WHERE user_id = '{user.Id}'") ?? "");

        await using (var scope = A.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ApiTokens>().RevokeAsync(user.Id, user.UserName, tokenId));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await MeAsync(A, user.Token)).StatusCode);
        await EventuallyAsync(async () => (await MeAsync(B, user.Token)).StatusCode == HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_role_removed_by_SQL_outside_the_portal_reaches_both_caches()
    {
        var user = await TestUsers.CreateAsync(A, ["observer", "operator"]);
        await WaitListeningAsync(A, user);
        await WaitListeningAsync(B, user);

        await A.Database.ExecuteAsync($"DELETE FROM user_roles WHERE user_id = '{user.Id}' AND role_id = (SELECT id FROM roles WHERE name = 'operator')");

        await EventuallyAsync(async () => (await RolesAsync(A, user.Token)).SequenceEqual(["observer"]));
        await EventuallyAsync(async () => (await RolesAsync(B, user.Token)).SequenceEqual(["observer"]));
    }

    public sealed class LongCachePortal : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => LongCache;
    }
}
