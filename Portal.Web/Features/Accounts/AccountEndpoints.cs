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
        var account = endpoints.MapGroup("/account").ExcludeFromDescription().AddEndpointFilter(RequireAntiforgeryAsync);

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

        // Discoverable credentials only: the browser offers the user's passkeys, so the portal never says
        // which user names exist or which credentials they hold.
        account.MapPost("/passkey/request-options", async (SignInManager<PortalUser> signIn) =>
            Results.Content(await signIn.MakePasskeyRequestOptionsAsync(null), "application/json"));

        account.MapPost("/sign-out", async (ClaimsPrincipal principal, UserManager<PortalUser> users, SignInManager<PortalUser> signIn, SecurityAudit audit) =>
        {
            if (principal.Identity?.IsAuthenticated == true)
            {
                // A new security stamp ends every copy of this session, not just the cookie this browser drops.
                if (await users.GetUserAsync(principal) is { } user)
                {
                    await users.UpdateSecurityStampAsync(user);
                }

                await audit.RecordAsync(SecurityEventKinds.SignOut, principal.Identity.Name ?? "?", Users.UserEndpoints.CallerId(principal));
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect("/");
        });
    }

    /// <summary>
    /// These endpoints read no form, so the antiforgery middleware would only flag, not refuse, a missing token
    /// (it sends the token as a header from passkeys.js, or as a form field from the sign-out button).
    /// </summary>
    public static async ValueTask<object?> RequireAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(context.HttpContext))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: "The antiforgery token is missing or invalid; reload the page and try again.");
        }

        return await next(context);
    }
}
