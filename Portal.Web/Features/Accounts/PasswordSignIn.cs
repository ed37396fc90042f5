using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

/// <summary>Refuses disabled users everywhere Identity signs someone in (password, passkey, refresh).</summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.DisabledAt is null && await base.CanSignInAsync(user);
    }
}

public enum SignInOutcome
{
    SignedIn,
    Refused,
    Throttled,
}

/// <summary>
/// Failed password sign-ins are counted per account <em>and</em> client address (decision 0008): after
/// <see cref="MaxFailures"/> failures within <see cref="Window"/>, that address may not try that account again until
/// the window has passed. Someone who knows a user name can so block only their own address, never the user's
/// sign-in from elsewhere, and never the user's API tokens. Each instance counts on its own; the per-address
/// rate limit on sign-in posts bounds the total.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<(string Account, string Address), Failures> _failures = new();

    private sealed record Failures(int Count, DateTimeOffset FirstAt);

    public bool IsBlocked(string account, string address) =>
        _failures.TryGetValue((account, address), out var f) && f.Count >= MaxFailures && clock.GetUtcNow() - f.FirstAt < Window;

    public void Fail(string account, string address)
    {
        var now = clock.GetUtcNow();
        _failures.AddOrUpdate((account, address), _ => new Failures(1, now), (_, f) => now - f.FirstAt >= Window ? new Failures(1, now) : f with { Count = f.Count + 1 });
        if (_failures.Count > 100_000)
        {
            Prune(now);
        }
    }

    public void Succeeded(string account, string address) => _failures.TryRemove((account, address), out _);

    /// <summary>An admin's unlock: forgets every address's failures for the account.</summary>
    public void Forget(string account)
    {
        foreach (var key in _failures.Keys.Where(k => k.Account == account))
        {
            _failures.TryRemove(key, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, f) in _failures)
        {
            if (now - f.FirstAt >= Window)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }
}

/// <summary>
/// The password sign-in use case. Unknown users, users without a password and disabled users cost the same
/// password-hash verification as a wrong password for a real user, so the answer's timing does not tell which
/// user names exist. Failures never lock the account (Identity's lockout is not used) and never touch API tokens.
/// </summary>
public sealed class PasswordSignIn(
    UserManager<PortalUser> users, SignInManager<PortalUser> signIn, IPasswordHasher<PortalUser> hasher,
    SignInThrottle throttle, SecurityAudit audit, IHttpContextAccessor http)
{
    private static readonly Lazy<string> DummyPassword = new(() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    private static string? _dummyHash;

    public async Task<SignInOutcome> SignInAsync(string userName, string password, bool isPersistent)
    {
        ArgumentNullException.ThrowIfNull(userName);
        var account = users.NormalizeName(userName.Trim()) ?? "";
        var address = http.HttpContext?.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var user = await users.FindByNameAsync(userName.Trim());
        if (throttle.IsBlocked(account, address))
        {
            await audit.RecordAsync(SecurityEventKinds.SignInThrottled, userName, user?.Id, $"{SignInThrottle.MaxFailures} failures from this address");
            return SignInOutcome.Throttled;
        }

        bool valid;
        if (user?.PasswordHash is null)
        {
            // Same work as for a real account: hash the attempt against a dummy hash made by the same hasher.
            _dummyHash ??= hasher.HashPassword(new PortalUser(), DummyPassword.Value);
            hasher.VerifyHashedPassword(new PortalUser(), _dummyHash, password);
            valid = false;
        }
        else
        {
            valid = await users.CheckPasswordAsync(user, password);
        }

        if (valid && await signIn.CanSignInAsync(user!))
        {
            throttle.Succeeded(account, address);
            await signIn.SignInAsync(user!, isPersistent, authenticationMethod: "pwd");
            await audit.RecordAsync(SecurityEventKinds.SignIn, userName, user!.Id, "password");
            return SignInOutcome.SignedIn;
        }

        throttle.Fail(account, address);
        await audit.RecordAsync(SecurityEventKinds.SignInFailed, userName, user?.Id, valid ? "password (account disabled)" : "password");
        return SignInOutcome.Refused;
    }
}
