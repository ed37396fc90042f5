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

public sealed record NetworkResponse(Guid Id, string Name, string ChainId, QuorumRuleBody Quorum, DateTimeOffset CreatedAt, int Decimals, string Symbol)
{
    public static NetworkResponse From(Network n) =>
        new(n.Id, n.Name, n.ChainId, new QuorumRuleBody(n.Quorum.Numerator, n.Quorum.Denominator, n.Quorum.Strict, n.Quorum.Weighting), n.CreatedAt, n.Decimals, n.Symbol);
}

public static class NetworkEndpoints
{
    public static void MapNetworkEndpoints(this IEndpointRouteBuilder api) =>
        api.MapPost("/networks", CreateAsync).RequireAuthorization(Policies.Admin).WithName("CreateNetwork");

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
