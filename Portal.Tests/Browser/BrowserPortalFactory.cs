using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;

namespace Portal.Tests.Browser;

/// <summary>
/// The real portal, in the Production environment on its own fresh database, like <see cref="PortalFactory"/>,
/// but on a real Kestrel socket so that a real browser can reach it.
/// <para>
/// It speaks HTTPS (with <see cref="LocalhostCertificate"/>), because the Production portal cannot serve a
/// form over plain HTTP: its antiforgery cookie is SecurePolicy=Always, and ASP.NET Core then throws
/// "the current request is not an SSL request" on every page that renders a form. Browsers are sent to
/// <c>https://localhost:port</c>, never 127.0.0.1: WebAuthn refuses an IP address as relying-party id.
/// </para>
/// </summary>
public class BrowserPortalFactory : PortalFactory, IAsyncLifetime
{
    private Uri? _address;

    /// <summary>The portal's origin as the browser sees it, with a trailing slash.</summary>
    public Uri Address => _address ?? throw new InvalidOperationException("The portal has not started.");

    /// <summary>Re-implements the base start-up: with Kestrel there is no TestServer to touch.</summary>
    public new async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(LocalhostCertificate.Certificate)));
        StartServer();
        var bound = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel reports no address.");
        var port = new Uri(bound.First()).Port;
        _address = new Uri($"https://localhost:{port}/");
    }

    /// <summary>An operator, created through the invitation service as an administrator would, with an optional password.</summary>
    /// <summary>On the portal's real socket, trusting exactly its test certificate (API helpers such as ApiScenario use this).</summary>
    public override HttpClient CreateApiClient(string? token = AdminToken)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.RawData.AsSpan().SequenceEqual(LocalhostCertificate.Certificate.RawData),
        };
        var client = new HttpClient(handler) { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<PortalUser> CreateOperatorAsync(string userName, string? password)
    {
        await using var scope = Services.CreateAsyncScope();
        var invitations = scope.ServiceProvider.GetRequiredService<Invitations>();
        var (user, errors) = await invitations.CreateUserAsync(new NewUser(userName, null, [Roles.Operator], []), "browser-test", null);
        Assert.True(user is not null, "Could not create the user: " + string.Join("; ", errors.SelectMany(e => e.Value)));
        if (password is not null)
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var added = await users.AddPasswordAsync(user, password);
            Assert.True(added.Succeeded, string.Join("; ", added.Errors.Select(e => e.Description)));
        }

        return user;
    }

    /// <summary>An invitation link (absolute, on this portal) for a user who has no password yet.</summary>
    public async Task<(PortalUser User, Uri Link)> InviteOperatorAsync(string userName)
    {
        var user = await CreateOperatorAsync(userName, password: null);
        await using var scope = Services.CreateAsyncScope();
        var link = await scope.ServiceProvider.GetRequiredService<Invitations>().CreateLinkAsync(user);
        return (user, new Uri(Address, link));
    }

    public async Task<IList<UserPasskeyInfo>> PasskeysOfAsync(string userName)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException("No user " + userName);
        return await users.GetPasskeysAsync(user);
    }
}
