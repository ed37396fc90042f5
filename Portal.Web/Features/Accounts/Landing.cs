using Microsoft.AspNetCore.Identity;
using Portal.Data.Identity;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// Where someone lands once signed in with nowhere else to go: an operator and nothing else on their
/// validators (their job is there), everyone else on the incidents. The same after a password sign-in, a
/// passkey, or accepting an invitation.
/// </summary>
public static class Landing
{
    public const string Operators = "/me/validators";

    public static async Task<string> ForAsync(UserManager<PortalUser> users, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(user);
        var roles = await users.GetRolesAsync(user);
        return roles.Count == 1 && roles[0] == Roles.Operator ? Operators : "/";
    }
}
