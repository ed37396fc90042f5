using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Incidents;

/// <param name="Drill">True declares a drill: marked DRILL everywhere, never listed among real incidents.</param>
public sealed record DeclareIncidentRequest(Guid? NetworkId, string? Title, long? HaltHeight, [MultiLine] string? Summary, bool? Drill = null);

public sealed record IncidentResponse(
    Guid Id, Guid NetworkId, string Title, long HaltHeight, string? Summary, IncidentStatus Status, long Revision, long? SetHeight, DateTimeOffset DeclaredAt, bool Drill)
{
    public static IncidentResponse From(Incident i) => new(i.Id, i.NetworkId, i.Title, i.HaltHeight, i.Summary, i.Status, i.Revision, i.SetHeight, i.DeclaredAt, i.IsDrill);
}

public sealed record ValidatorSetRequest(long? Height, ValidatorSetRow[]? Validators);

public sealed record StatusRequest(ValidatorState? State, string? Version, [MultiLine] string? Note);

public sealed record MoveRequest(IncidentStatus? Status, string? Reason);

public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Actor, string Summary);

public static class IncidentEndpoints
{
    public const int IdempotencyKeyMax = IdempotencyRecord.KeyMax;

    public static void MapIncidentEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents", DeclareAsync).RequireAuthorization(Policies.Commander).WithName("DeclareIncident");
        api.MapGet("/incidents/{id:guid}", GetAsync).RequireAuthorization(Policies.SignedIn).WithName("GetIncident");
        api.MapPut("/incidents/{id:guid}/validator-set", ImportSetAsync).RequireAuthorization(Policies.Commander).WithName("PutValidatorSet");
        api.MapPost("/incidents/{id:guid}/status", MoveAsync).RequireAuthorization(Policies.Commander).WithName("MoveIncident");
        api.MapPost("/incidents/{id:guid}/validators/{key}/status", ReportAsync).RequireAuthorization(Policies.Reporter).WithName("ReportValidatorStatus");
        api.MapGet("/incidents/{id:guid}/quorum", QuorumAsync).RequireAuthorization(Policies.SignedIn).WithName("GetQuorum");
        api.MapGet("/incidents/{id:guid}/timeline", TimelineAsync).RequireAuthorization(Policies.SignedIn).WithName("GetTimeline");
    }

    private static async Task<Results<Created<IncidentResponse>, ValidationProblem>> DeclareAsync(
        DeclareIncidentRequest request, ClaimsPrincipal caller, IncidentService incidents, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.NetworkId is null)
        {
            errors["networkId"] = ["The network id is required."];
        }

        if (string.IsNullOrWhiteSpace(request.Title))
        {
            errors["title"] = ["A title is required."];
        }

        if (request.HaltHeight is null or < 0)
        {
            errors["haltHeight"] = ["The halt height is required and cannot be negative."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var incident = await incidents.DeclareAsync(request.NetworkId!.Value, request.Title!, request.HaltHeight!.Value, request.Summary, caller.Identity!.Name!, request.Drill ?? false, cancellationToken);
            return TypedResults.Created($"/api/v1/incidents/{incident.Id}", IncidentResponse.From(incident));
        }
        catch (DomainException ex) when (ex is not IllegalTransitionException)
        {
            return ApiProblems.Invalid(ex.Field ?? (ex.Message.StartsWith("No network", StringComparison.Ordinal) ? "networkId" : "title"), ex.Message);
        }
    }

    private static async Task<Results<Ok<IncidentResponse>, ProblemHttpResult>> GetAsync(Guid id, PortalDbContext db, CancellationToken cancellationToken) =>
        await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken) is { } incident
            ? TypedResults.Ok(IncidentResponse.From(incident))
            : ApiProblems.NotFound($"No incident {id}.");

    private static async Task<Results<Ok<ValidatorSetSummary>, ValidationProblem>> ImportSetAsync(
        Guid id, ValidatorSetRequest request, ClaimsPrincipal caller, IncidentService incidents, CancellationToken cancellationToken)
    {
        if (request.Height is null or < 0)
        {
            return ApiProblems.Invalid("height", "The height the set is frozen at is required and cannot be negative.");
        }

        var (members, rowErrors) = ValidatorSetInput.Validate(request.Validators ?? []);
        if (rowErrors.Count > 0)
        {
            return ApiProblems.Invalid(
                rowErrors.GroupBy(e => e.ApiField).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                $"{rowErrors.Count} problem(s) in the validator set; nothing was imported.");
        }

        return TypedResults.Ok(await incidents.ImportValidatorSetAsync(id, request.Height.Value, members, caller.Identity!.Name!, cancellationToken));
    }

    private static async Task<Results<Ok<IncidentResponse>, ValidationProblem>> MoveAsync(
        Guid id, MoveRequest request, ClaimsPrincipal caller, IncidentService incidents, PortalDbContext db, CancellationToken cancellationToken)
    {
        if (request.Status is not { } next)
        {
            return ApiProblems.Invalid("status", "The new status is required.");
        }

        await incidents.MoveAsync(id, next, request.Reason, caller.Identity!.Name!, cancellationToken);
        return TypedResults.Ok(IncidentResponse.From(await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == id, cancellationToken)));
    }

    private static async Task<Results<Ok<StatusAnswer>, ValidationProblem, ProblemHttpResult>> ReportAsync(
        Guid id, string key, StatusRequest request, ClaimsPrincipal caller, StatusReports reports, HttpContext http,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (request.State is not { } state)
        {
            return ApiProblems.Invalid("state", "The state is required: acknowledged, downloading, upgraded, ready or blocked.");
        }

        if (idempotencyKey is { Length: 0 or > IdempotencyKeyMax })
        {
            return ApiProblems.Invalid("Idempotency-Key", $"The Idempotency-Key header must be 1 to {IdempotencyKeyMax} characters.");
        }

        var outcome = await reports.SubmitAsync(id, key, state, request.Version, request.Note, caller, idempotencyKey, cancellationToken);
        switch (outcome.Kind)
        {
            case ReportOutcomeKind.Applied:
                return TypedResults.Ok(outcome.Answer);
            case ReportOutcomeKind.Replayed:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Ok(outcome.Answer);
            case ReportOutcomeKind.Invalid:
                return ApiProblems.Invalid(new Dictionary<string, string[]> { [outcome.Field ?? "state"] = [outcome.Message!] }, outcome.Message);
            case ReportOutcomeKind.NotFound:
                return ApiProblems.NotFound(outcome.Message!);
            case ReportOutcomeKind.Conflict:
                return ApiProblems.Conflict(outcome.Message!);
            default:
                return ApiProblems.Forbidden(outcome.Message!);
        }
    }

    private static async Task<Results<Ok<QuorumDocument>, ProblemHttpResult>> QuorumAsync(Guid id, IncidentReader reader, CancellationToken cancellationToken) =>
        await reader.QuorumAsync(id, cancellationToken) is { } quorum
            ? TypedResults.Ok(quorum)
            : ApiProblems.NotFound($"No incident {id}.");

    private static async Task<Results<Ok<List<TimelineEntry>>, ProblemHttpResult>> TimelineAsync(Guid id, PortalDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Incidents.AnyAsync(i => i.Id == id, cancellationToken))
        {
            return ApiProblems.NotFound($"No incident {id}.");
        }

        var entries = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.IncidentId == id)
            .OrderBy(e => e.Id)
            .Select(e => new TimelineEntry(e.At, e.Kind, e.Actor, e.Summary))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(entries);
    }
}
