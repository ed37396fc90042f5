using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Data.Protection;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

public static class IdentitySetup
{
    /// <summary>Picks the cookie or the bearer token per request; see <see cref="SelectScheme"/>.</summary>
    public const string PortalScheme = "portal";

    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        // Secure cookies everywhere but Development, unless an operator runs plain HTTP on purpose (a local
        // docker compose trial): Portal:SecureCookies=false. Behind a TLS-terminating proxy, keep it true and
        // name the proxy in Portal:ForwardedHeaders so the portal sees the original scheme and client address.
        var secure = configuration.GetValue("Portal:SecureCookies", !environment.IsDevelopment())
            ? CookieSecurePolicy.Always
            : CookieSecurePolicy.SameAsRequest;
        services.AddDataProtection().SetApplicationName("validator-coordination-portal");
        services.AddOptions<KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((options, dataSource) => options.XmlRepository = new PostgresXmlRepository(dataSource));

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.User.RequireUniqueEmail = false;
                options.SignIn.RequireConfirmedAccount = false;
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                // Failed sign-ins are throttled per account and address (SignInThrottle), never by locking the account.
                options.Lockout.AllowedForNewUsers = false;
                ServiceCollectionExtensions.ConfigureIdentityStore(options);
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders();

        // Invitations are password-reset tokens; a week gives an invitee time to act.
        services.Configure<DataProtectionTokenProviderOptions>(options => options.TokenLifespan = TimeSpan.FromDays(7));

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = PortalScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddPolicyScheme(PortalScheme, "Cookie or API token", options => options.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/sign-in";
            options.LogoutPath = "/account/sign-out";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "portal.auth";
            options.ExpireTimeSpan = TimeSpan.FromDays(14);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = SessionValidation.ValidateAsync;
        });
        // Every Identity cookie (application, external, two-factor, passkey state): HttpOnly, Lax, Secure outside Development.
        services.PostConfigureAll<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = secure;
        });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "portal.csrf";
            options.Cookie.SecurePolicy = secure;
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.CoreDev, p => p.RequireRole(Roles.Admin, Roles.CoreDev))
            .AddPolicy(Policies.Commander, p => p.RequireRole(Roles.Admin, Roles.Commander))
            .AddPolicy(Policies.Reporter, p => p.RequireRole(Roles.Admin, Roles.Commander, Roles.Operator))
            .AddPolicy(Policies.SignedIn, p => p.RequireAuthenticatedUser());

        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<SecurityAudit>();
        services.AddScoped<Invitations>();
        services.AddScoped<ApiTokens>();
        services.AddScoped<BootstrapAdmin>();
        services.AddScoped<UserDirectory>();
        services.AddScoped<CallerAccess>();
        services.AddScoped<PasswordSignIn>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<UserAdmin>();
        services.AddSingleton<TokenFailureLimiter>();
        services.AddPortalRateLimiting(configuration);
        services.AddPortalForwardedHeaders(configuration);
        return services;
    }

    /// <summary>
    /// The API speaks bearer tokens only. The hub takes either (a browser brings its cookie, a script its token).
    /// Everything else is pages, signed in with the Identity cookie.
    /// </summary>
    private static string SelectScheme(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            return ApiTokenAuthenticationHandler.SchemeName;
        }

        if (context.Request.Path.StartsWithSegments("/hubs") && ApiTokenAuthenticationHandler.ReadToken(context.Request) is not null)
        {
            return ApiTokenAuthenticationHandler.SchemeName;
        }

        return IdentityConstants.ApplicationScheme;
    }

    /// <summary>
    /// Sign-in attempts are limited per client address; the API per token (or address, before one is known).
    /// Both answer 429 with Retry-After and a problem document.
    /// </summary>
    private static void AddPortalRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection("Portal:RateLimits").Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/account/sign-in"))
                {
                    return RateLimitPartition.GetFixedWindowLimiter("sign-in:" + address, _ => Window(limits.SignInPerMinute));
                }

                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    var key = ApiTokenAuthenticationHandler.ReadToken(context.Request) is { } token
                        ? "api:" + Convert.ToHexString(ApiToken.HashOf(token))
                        : "api:" + address;
                    return RateLimitPartition.GetFixedWindowLimiter(key, _ => Window(limits.ApiPerMinute));
                }

                return RateLimitPartition.GetNoLimiter("none");
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 60;
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"Slow down: try again in {retryAfter} seconds.",
                    },
                });
            };
        });
    }

    private static FixedWindowRateLimiterOptions Window(int perMinute) => new()
    {
        PermitLimit = perMinute,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private sealed class RateLimitSettings
    {
        public int SignInPerMinute { get; set; } = 10;
        public int ApiPerMinute { get; set; } = 600;
    }
}

/// <summary>Authorization policy names, one per capability.</summary>
public static class Policies
{
    public const string Admin = "admin";
    public const string CoreDev = "coredev";
    public const string Commander = "commander";

    /// <summary>May report a validator's state: operators (for their own), commanders and admins (for anyone).</summary>
    public const string Reporter = "reporter";
    public const string SignedIn = "signed-in";
}
