using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// The few account actions that are not pages: WebAuthn option documents for the browser's passkey
/// ceremony (fetched by wwwroot/js/passkeys.js) and sign-out. All are POSTs that require the antiforgery token.
/// </summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();

        account.MapPost("/passkey/creation-options", async (ClaimsPrincipal principal, UserManager<PortalUser> users, SignInManager<PortalUser> signIn) =>
        {
            var user = await users.GetUserAsync(principal);
            if (user is null)
            {
                return Results.Unauthorized();
            }

            var entity = new PasskeyUserEntity { Id = await users.GetUserIdAsync(user), Name = user.UserName!, DisplayName = user.UserName! };
            return Results.Content(await signIn.MakePasskeyCreationOptionsAsync(entity), "application/json");
        }).RequireAuthorization(Policies.SignedIn);

        account.MapPost("/passkey/request-options", async (string? userName, UserManager<PortalUser> users, SignInManager<PortalUser> signIn) =>
        {
            var user = string.IsNullOrWhiteSpace(userName) ? null : await users.FindByNameAsync(userName);
            return Results.Content(await signIn.MakePasskeyRequestOptionsAsync(user), "application/json");
        });

        account.MapPost("/sign-out", async (ClaimsPrincipal principal, SignInManager<PortalUser> signIn, SecurityAudit audit) =>
        {
            if (principal.Identity?.IsAuthenticated == true)
            {
                await audit.RecordAsync(SecurityEventKinds.SignOut, principal.Identity.Name ?? "?", Users.UserEndpoints.CallerId(principal));
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect("/");
        });
    }
}
