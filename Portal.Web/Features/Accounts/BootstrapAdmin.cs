using Microsoft.AspNetCore.Identity;
using Portal.Data.Identity;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// The first admin. With <c>Portal:BootstrapAdminToken</c> set (at least 32 characters), an <c>admin</c> user
/// holding that API token is created unless it already exists. <c>./portal run</c> instead asks for an
/// invitation link (<see cref="EnsureInvitationAsync"/>) so a person can set a password in the browser.
/// </summary>
public sealed partial class BootstrapAdmin(UserManager<PortalUser> users, Invitations invitations, ApiTokens tokens, ILogger<BootstrapAdmin> logger)
{
    public const string UserName = "admin";
    public const int MinimumTokenLength = 32;

    public async Task ApplyTokenAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return;
        }

        if (token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace))
        {
            throw new InvalidOperationException(
                $"Portal:BootstrapAdminToken must be at least {MinimumTokenLength} characters without spaces; it is the admin's API token.");
        }

        if (await users.FindByNameAsync(UserName) is not null)
        {
            return;
        }

        var admin = await CreateAdminAsync(cancellationToken);
        await tokens.AddKnownAsync(admin.Id, "bootstrap", token, cancellationToken);
        LogCreated(UserName);
    }

    /// <summary>
    /// Makes sure an admin exists and, while it has no password yet, returns a fresh invitation link for it.
    /// Null once the admin has set a password.
    /// </summary>
    public async Task<string?> EnsureInvitationAsync(CancellationToken cancellationToken = default)
    {
        var admin = await users.FindByNameAsync(UserName) ?? await CreateAdminAsync(cancellationToken);
        return await invitations.HasPasswordAsync(admin) ? null : await invitations.CreateLinkAsync(admin);
    }

    private async Task<PortalUser> CreateAdminAsync(CancellationToken cancellationToken)
    {
        var (admin, errors) = await invitations.CreateUserAsync(new NewUser(UserName, null, [Roles.Admin], []), "system", null, cancellationToken);
        return admin ?? throw new InvalidOperationException("Could not create the admin: " + string.Join("; ", errors.SelectMany(e => e.Value)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the bootstrap user {UserName} with the configured API token")]
    private partial void LogCreated(string userName);
}
