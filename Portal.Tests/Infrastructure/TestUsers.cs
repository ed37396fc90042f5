using Microsoft.AspNetCore.Identity;
using Portal.Data.Identity;
using Portal.Web.Features.Accounts;

namespace Portal.Tests.Infrastructure;

public sealed record TestUser(Guid Id, string UserName, string Password, string Token);

/// <summary>Creates users through the portal's own services, as an admin's invitation would.</summary>
public static class TestUsers
{
    public const string Password = "correct horse battery staple";

    public static async Task<TestUser> CreateAsync(PortalFactory portal, string[] roles, IReadOnlyList<Guid>? validatorIds = null, string? userName = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        await using var scope = portal.Services.CreateAsyncScope();
        var invitations = scope.ServiceProvider.GetRequiredService<Invitations>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokens>();
        var name = userName ?? roles[0] + "-" + Guid.NewGuid().ToString("N")[..8];

        var (user, errors) = await invitations.CreateUserAsync(new NewUser(name, null, roles, validatorIds ?? []), "test", null);
        Assert.True(user is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        var password = await users.AddPasswordAsync(user, Password);
        Assert.True(password.Succeeded, string.Join("; ", password.Errors.Select(e => e.Description)));
        var token = await tokens.CreateAsync(user.Id, name, "test token", null);
        return new TestUser(user.Id, name, Password, token);
    }
}
