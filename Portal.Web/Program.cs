using System.Text.Json.Serialization;
using Portal.Data;
using Portal.Web.Components;
using Portal.Web.Components.Console;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;
using Portal.Web.Features.Chain;
using Portal.Web.Features.Demo;
using Portal.Web.Features.Forecast;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;
using Portal.Web.Features.Networks;
using Portal.Web.Features.Notifications;
using Portal.Web.Features.Releases;
using Portal.Web.Features.Snapshots;
using Portal.Web.Features.Overview;
using Portal.Web.Features.Paging;
using Portal.Web.Features.PublicStatus;
using Portal.Web.Features.Security;
using Portal.Web.Features.Users;
using Portal.Web.Hosting;
using Portal.Web.Hubs;

// `Portal.Web drill …` (behind `./portal drill`) is a client of a running portal: no host, no database.
if (args is ["drill", ..])
{
    return await Portal.Web.Features.Drills.DrillCommand.RunAsync(args[1..]);
}

if (args is ["healthcheck", ..])
{
    return await HealthProbe.RunAsync();
}

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalLogging();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddPortalData(builder.Configuration);
builder.Services.AddPortalIdentity(builder.Configuration, builder.Environment);
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddHostedService<DemoTimeLapse>();
builder.Services.AddSingleton<Portal.Web.Features.Drills.DrillRuns>();
builder.Services.AddScoped<Portal.Web.Features.Drills.DrillService>();
builder.Services.AddScoped<OverviewService>();
builder.Services.AddScoped<StakeHistoryReader>();
builder.Services.AddSingleton(TimelineKey.Load(builder.Configuration, builder.Environment));
builder.Services.AddScoped<IncidentWrites>();
builder.Services.AddScoped<TimelineIntegrityService>();
builder.Services.AddScoped<Portal.Web.Features.Operators.OperatorDesk>();
builder.Services.AddScoped<IncidentReader>();
builder.Services.AddScoped<IncidentService>();
builder.Services.AddForecast(builder.Configuration);
builder.Services.AddScoped<Portal.Web.Features.Networks.NetworkService>();
builder.Services.AddSingleton<StatusReportLane>();
builder.Services.AddScoped<StatusReports>();
builder.Services.AddScoped<ReleaseService>();
builder.Services.AddScoped<SnapshotService>();
builder.Services.AddSingleton<PartLinks>();
builder.Services.AddSingleton(builder.Configuration.GetSection(SnapshotVerifierOptions.Section).Get<SnapshotVerifierOptions>() ?? new SnapshotVerifierOptions());
builder.Services.AddHostedService<SnapshotVerifier>();
builder.Services.AddSingleton<IncidentProjections>();
builder.Services.AddSingleton<PrincipalCache>();
builder.Services.AddSingleton<IncidentBroadcaster>();
builder.Services.AddHostedService(services => services.GetRequiredService<IncidentBroadcaster>());
builder.Services.AddHostedService<IncidentChangeListener>();
builder.Services.AddChain(builder.Configuration);
builder.Services.AddPaging(builder.Configuration);
builder.Services.AddNotifications(builder.Configuration);
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ApiErrors.Describe);
builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.Converters.Add(new StrictEnumConverter());
    options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
    options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    options.SerializerOptions.Converters.Add(new UtcTimestampConverter());
});
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddPortalConsole(builder.Configuration);
builder.Services.AddPortalCompression();
builder.Services.AddPortalLiveHub();
builder.Services.AddOpenApi(options => options.AddSchemaTransformer(UtcTimestampConverter.DescribeAsync).AddSchemaTransformer(StrictEnumConverter.DescribeAsync).AddPortalDocumentation());

var app = builder.Build();

// `Portal.Web migrate` (behind `./portal db migrate`) applies migrations and exits;
// `Portal.Web invite-admin <origin>` (behind `./portal run`) prints the first admin's sign-in link.
if (args is ["migrate", ..])
{
    return await app.PrepareDatabaseAsync() ? 0 : 1;
}

if (args is ["invite-admin", var origin, ..])
{
    return await app.PrepareDatabaseAsync() ? await app.PrintAdminInvitationAsync(origin) : 1;
}

if (!await app.PrepareDatabaseAsync())
{
    return 1;
}

app.UsePortalForwardedHeaders();
app.UsePortalRequestLogging();
app.UseMiddleware<SecurityHeaders>();
app.UsePortalCompression();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}

// The API answers every error with problem+json; pages get a friendly page (500, 404) that leaks nothing.
app.UseWhen(ApiErrors.IsApi, api =>
{
    api.UseExceptionHandler(new ExceptionHandlerOptions
    {
        StatusCodeSelector = ApiErrors.StatusFor,
        // A caller's bad input is not the portal's error: no stack trace at Error level for a 4xx.
        SuppressDiagnosticsCallback = context => ApiErrors.StatusFor(context.Exception) < StatusCodes.Status500InternalServerError,
    });
    api.UseStatusCodePages();
});
app.UseWhen(c => !ApiErrors.IsApi(c), pages =>
{
    pages.UseExceptionHandler("/error", createScopeForErrors: true);
    pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
});

// Inside the error handlers: a lost database becomes 503 + Retry-After before they could make it a 500.
app.UseMiddleware<DatabaseOutage>();

// Routing after the error handlers, so that their re-executed paths (/error, /not-found) are routed afresh.
app.UseRouting();
app.UseMiddleware<HubOriginCheck>();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapPortalHealth();
app.MapOpenApi("/openapi/v1.json");
app.MapApiReference();
var api = app.MapGroup("/api/v1").WithTags("v1").AddEndpointFilter<TextInputFilter>();
api.MapUserEndpoints();
api.MapNetworkEndpoints();
api.MapIncidentEndpoints();
api.MapForecastEndpoints();
api.MapReleaseEndpoints();
api.MapSnapshotApi();
api.MapChainEndpoints();
api.MapPagingEndpoints();
api.MapWebhookEndpoints();
api.MapPublicIncidentEndpoints();
if (app.Configuration.GetValue<bool>("Portal:Bench:Enabled"))
{
    api.MapBenchEndpoints();
}

app.MapSnapshotTransfers();
app.MapSnapshotBrowserEndpoints();
app.MapAccountEndpoints();
app.MapNotificationVerification();
app.MapPublicFeedAndBadge();
app.MapPostmortemDownloads();
app.MapHub<IncidentHub>(IncidentHub.Path);
// SecurityHeaders sends the whole CSP, frame-ancestors 'none' included: no second header from the framework.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
