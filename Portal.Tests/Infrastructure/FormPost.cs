using System.Text.RegularExpressions;

namespace Portal.Tests.Infrastructure;

/// <summary>Submits a server-rendered form the way a browser without JavaScript does: fetch the page, post the fields.</summary>
public static partial class FormPost
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string page, string formName, IDictionary<string, string> fields, bool withAntiforgery = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(fields);
        var html = await client.GetStringAsync(new Uri(page, UriKind.Relative));
        var body = new Dictionary<string, string>(fields) { ["_handler"] = formName };
        if (withAntiforgery)
        {
            body["__RequestVerificationToken"] = AntiforgeryToken().Match(html) is { Success: true } match
                ? System.Net.WebUtility.HtmlDecode(match.Groups[1].Value)
                : throw new InvalidOperationException("No antiforgery token on " + page);
        }

        using var content = new FormUrlEncodedContent(body);
        return await client.PostAsync(new Uri(page, UriKind.Relative), content);
    }

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        await SubmitAsync(client, "/account/sign-in", "password", new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
