using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Paging;

public sealed record NotificationSettingsRequest(
    string? Email, string? TelegramChatId, string? PagerDutyRoutingKey, bool? RemovePagerDuty, string? TimeZone, string? QuietFrom, string? QuietTo, string[]? SecondaryContacts);

public sealed record SecondaryContactsRequest(string[]? UserNames);

public sealed record SecondaryContactsResponse(IReadOnlyList<string> UserNames);

public static class NotificationSettingsEndpoints
{
    public const string VerifyPath = "/me/notifications/verify";

    public static void MapNotificationSettingsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/me/notifications", GetAsync).RequireAuthorization(Policies.SignedIn).WithName("GetNotificationSettings")
            .WithSummary("The caller's channels (e-mail, Telegram, PagerDuty), quiet hours and secondary contacts.");
        api.MapPut("/me/notifications", PutAsync).RequireAuthorization(Policies.SignedIn).WithName("PutNotificationSettings")
            .WithSummary("Replaces the caller's notification settings; a new e-mail address is used once verified by the link sent to it.");
        api.MapPut("/networks/{networkId:guid}/validators/{key}/secondary-contacts", PutContactsAsync).RequireAuthorization(Policies.Commander).WithName("PutValidatorSecondaryContacts")
            .WithSummary("Who to wake when a page to this validator goes unanswered (portal user names).");
    }

    /// <summary>The link in the verification mail: no sign-in needed, then on to the settings page with the outcome.</summary>
    public static void MapNotificationVerification(this IEndpointRouteBuilder app) =>
        app.MapGet(VerifyPath, async (string? token, NotificationSettingsService settings, CancellationToken cancellationToken) =>
            TypedResults.Redirect(await settings.VerifyAsync(token, cancellationToken) ? "/me/notifications?verified=true" : "/me/notifications?verified=false"))
            .ExcludeFromDescription();

    private static async Task<Ok<NotificationSettingsView>> GetAsync(NotificationSettingsService settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(await settings.GetAsync(cancellationToken));

    private static async Task<Results<Ok<NotificationSettingsView>, ValidationProblem>> PutAsync(
        NotificationSettingsRequest request, NotificationSettingsService settings, CancellationToken cancellationToken)
    {
        var outcome = await settings.SaveAsync(new NotificationSettingsInput(request.Email, request.TelegramChatId, request.PagerDutyRoutingKey, request.RemovePagerDuty ?? false,
            request.TimeZone, request.QuietFrom, request.QuietTo, request.SecondaryContacts), cancellationToken);
        return outcome.Saved is { } saved
            ? TypedResults.Ok(saved)
            : ApiProblems.Invalid(outcome.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }));
    }

    private static async Task<Ok<SecondaryContactsResponse>> PutContactsAsync(
        Guid networkId, string key, SecondaryContactsRequest request, SecondaryContactService contacts, CancellationToken cancellationToken) =>
        TypedResults.Ok(new SecondaryContactsResponse(await contacts.SetForValidatorAsync(networkId, key, request.UserNames ?? [], cancellationToken)));
}
