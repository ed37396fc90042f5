using Portal.Data;
using Portal.Web.Components;
using Portal.Web.Features.Demo;
using Portal.Web.Features.Overview;
using Portal.Web.Hosting;

if (args is ["healthcheck", ..])
{
    return await HealthProbe.RunAsync();
}

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalLogging();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddPortalData(builder.Configuration);
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddScoped<OverviewService>();
builder.Services.AddProblemDetails();
builder.Services.AddRazorComponents();

var app = builder.Build();

// `Portal.Web migrate` (behind `./portal db migrate`) applies migrations and exits.
if (args is ["migrate", ..])
{
    return await app.PrepareDatabaseAsync() ? 0 : 1;
}

if (!await app.PrepareDatabaseAsync())
{
    return 1;
}

app.UseMiddleware<RequestLogging>();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseStaticFiles();
app.UseAntiforgery();

app.MapPortalHealth();
app.MapRazorComponents<App>();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
