using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Networks;

public sealed record QuorumRuleBody(int? Numerator, int? Denominator, bool? Strict, QuorumWeighting? Weighting);

/// <param name="Decimals">The display unit: stake reads as base units / 10^decimals (default 0).</param>
/// <param name="Symbol">The display unit's symbol, like "CMT" (default none).</param>
public sealed record CreateNetworkRequest(string? Name, string? ChainId, QuorumRuleBody? Quorum, int? Decimals = null, string? Symbol = null);

/// <param name="Quorum">The quorum rule; omitted terms keep their current value.</param>
/// <param name="Decimals">The display unit's decimals; omitted keeps the current value.</param>
/// <param name="Symbol">The display unit's symbol; omitted keeps the current value, "" removes it.</param>
public sealed record UpdateNetworkRequest(QuorumRuleBody? Quorum, int? Decimals = null, string? Symbol = null);

public sealed record NetworkResponse(Guid Id, string Name, string ChainId, QuorumRuleBody Quorum, DateTimeOffset CreatedAt, int Decimals, string Symbol)
{
    public static NetworkResponse From(Network n) =>
        new(n.Id, n.Name, n.ChainId, new QuorumRuleBody(n.Quorum.Numerator, n.Quorum.Denominator, n.Quorum.Strict, n.Quorum.Weighting), n.CreatedAt, n.Decimals, n.Symbol);
}

public static class NetworkEndpoints
{
    public static void MapNetworkEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/networks", CreateAsync).RequireAuthorization(Policies.Admin).WithName("CreateNetwork");
        api.MapGet("/networks/{id:guid}", GetAsync).RequireAuthorization(Policies.Commander).WithName("GetNetwork");
        api.MapPut("/networks/{id:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithName("UpdateNetwork");
    }

    /// <summary>A network's quorum rule and display unit; a missing one is 404 (<see cref="NotFoundException"/>).</summary>
    private static async Task<Ok<NetworkResponse>> GetAsync(Guid id, NetworkService networks, CancellationToken cancellationToken) =>
        TypedResults.Ok(NetworkResponse.From(await networks.GetAsync(id, cancellationToken)));

    private static async Task<Results<Ok<NetworkResponse>, ValidationProblem>> UpdateAsync(
        Guid id, UpdateNetworkRequest request, NetworkService networks, CancellationToken cancellationToken)
    {
        var current = await networks.GetAsync(id, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        QuorumRule? rule = null;
        var q = request.Quorum;
        try
        {
            rule = QuorumRule.Create(
                q?.Numerator ?? current.Quorum.Numerator, q?.Denominator ?? current.Quorum.Denominator, q?.Strict ?? current.Quorum.Strict, q?.Weighting ?? current.Quorum.Weighting);
        }
        catch (DomainException ex)
        {
            errors["quorum"] = [ex.Message];
        }

        var unit = DisplayUnit.BaseUnits;
        try
        {
            unit = DisplayUnit.Create(request.Decimals ?? current.Decimals, request.Symbol ?? current.Symbol);
        }
        catch (DomainException ex)
        {
            errors[ex.Field ?? "symbol"] = [ex.Message];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        return TypedResults.Ok(NetworkResponse.From(await networks.UpdateAsync(id, rule!, unit, cancellationToken)));
    }

    private static async Task<Results<Created<NetworkResponse>, ValidationProblem>> CreateAsync(CreateNetworkRequest request, IncidentService incidents, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["A name is required."];
        }

        if (string.IsNullOrWhiteSpace(request.ChainId))
        {
            errors["chainId"] = ["A chain id is required."];
        }

        QuorumRule? rule = null;
        var q = request.Quorum ?? new QuorumRuleBody(2, 3, true, QuorumWeighting.Stake);
        try
        {
            rule = QuorumRule.Create(q.Numerator ?? 2, q.Denominator ?? 3, q.Strict ?? true, q.Weighting ?? QuorumWeighting.Stake);
        }
        catch (DomainException ex)
        {
            errors["quorum"] = [ex.Message];
        }

        var unit = DisplayUnit.BaseUnits;
        try
        {
            unit = DisplayUnit.Create(request.Decimals ?? 0, request.Symbol);
        }
        catch (DomainException ex)
        {
            errors[ex.Field ?? "symbol"] = [ex.Message];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var network = await incidents.CreateNetworkAsync(request.Name!, request.ChainId!, rule!, unit, cancellationToken);
        return TypedResults.Created($"/api/v1/networks/{network.Id}", NetworkResponse.From(network));
    }
}
