using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Data.Chain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Chain;

public sealed record ChainImportRequest(string? Source, string? RpcUrl, long? Height, string? RestUrl);

public sealed record ChainSettingsRequest(string? Family, string[]? RpcUrls, int? PollSeconds, bool? AutoResume);

public sealed record ChainSettingsResponse(
    Guid NetworkId, string Family, IReadOnlyList<string> RpcUrls, int PollSeconds, bool AutoResume,
    long? LatestHeight, DateTimeOffset? ReadAt, DateTimeOffset? UnreachableSince, string? LastError)
{
    public static ChainSettingsResponse From(NetworkChain c) =>
        new(c.NetworkId, ChainAdapters.Name(c.Family), c.RpcUrls, c.PollSeconds, c.AutoResume, c.LatestHeight, c.ReadAt, c.UnreachableSince, c.LastError);
}

public sealed record StatusUrlRequest(string? StatusUrl);

public sealed record StatusUrlResponse(string Key, string? StatusUrl);

public static class ChainEndpoints
{
    public static void MapChainEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents/{id:guid}/validator-set/import", ImportAsync).RequireAuthorization(Policies.Commander).WithName("ImportValidatorSet");
        api.MapGet("/networks/{id:guid}/chain", GetAsync).RequireAuthorization(Policies.Commander).WithName("GetNetworkChain");
        api.MapPut("/networks/{id:guid}/chain", PutAsync).RequireAuthorization(Policies.Commander).WithName("PutNetworkChain");
        api.MapPut("/networks/{id:guid}/validators/{key}/status-url", StatusUrlAsync).RequireAuthorization(Policies.Commander).WithName("PutValidatorStatusUrl");
    }

    private static async Task<Results<Ok<ChainImportResult>, ValidationProblem, ProblemHttpResult>> ImportAsync(
        Guid id, ChainImportRequest request, ClaimsPrincipal caller, ChainService chain, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ChainAdapters.TryParse(request.Source, out var family))
        {
            errors["source"] = ["The source must be \"cometbft\" (or \"solana\")."];
        }

        if (!ChainService.TryUrl(request.RpcUrl, out var rpcUrl, out var rpcError))
        {
            errors["rpcUrl"] = [rpcError];
        }

        Uri? restUrl = null;
        if (!string.IsNullOrWhiteSpace(request.RestUrl) && !ChainService.TryUrl(request.RestUrl, out restUrl, out var restError))
        {
            errors["restUrl"] = [restError];
        }

        if (request.Height is null or < 1)
        {
            errors["height"] = ["The height to read the set at is required and must be at least 1."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            return TypedResults.Ok(await chain.ImportAsync(id, family, rpcUrl, request.Height!.Value, restUrl, caller, cancellationToken));
        }
        catch (ChainReadException ex)
        {
            return BadGateway(ex);
        }
    }

    /// <summary>The node, not the caller, is at fault: 502, with what it did, and nothing imported.</summary>
    public static ProblemHttpResult BadGateway(ChainReadException ex) =>
        TypedResults.Problem(title: "The chain could not be read", detail: $"{ex.Message} Nothing was imported.", statusCode: StatusCodes.Status502BadGateway);

    private static async Task<Results<Ok<ChainSettingsResponse>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal caller, ChainService chain, CancellationToken cancellationToken) =>
        await chain.GetSettingsAsync(id, caller, cancellationToken) is { } settings
            ? TypedResults.Ok(ChainSettingsResponse.From(settings))
            : ApiProblems.NotFound($"Network {id} has no chain settings yet.");

    private static async Task<Results<Ok<ChainSettingsResponse>, ValidationProblem>> PutAsync(
        Guid id, ChainSettingsRequest request, ClaimsPrincipal caller, ChainService chain, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ChainAdapters.TryParse(request.Family, out var family))
        {
            errors["family"] = ["The family must be \"cometbft\" or \"solana\"."];
        }

        var urls = new List<Uri>();
        if (request.RpcUrls is not { Length: >= 1 and <= ChainService.MaxRpcUrls })
        {
            errors["rpcUrls"] = [$"Give 1 to {ChainService.MaxRpcUrls} RPC URLs, in order of preference."];
        }
        else
        {
            for (var i = 0; i < request.RpcUrls.Length; i++)
            {
                if (!ChainService.TryUrl(request.RpcUrls[i], out var url, out var error))
                {
                    errors[$"rpcUrls[{i}]"] = [error];
                }
                else if (urls.Contains(url))
                {
                    errors[$"rpcUrls[{i}]"] = ["This URL is already in the list."];
                }
                else
                {
                    urls.Add(url);
                }
            }
        }

        var poll = request.PollSeconds ?? ChainService.DefaultPollSeconds;
        if (poll is < ChainService.MinPollSeconds or > ChainService.MaxPollSeconds)
        {
            errors["pollSeconds"] = [$"Poll every {ChainService.MinPollSeconds} to {ChainService.MaxPollSeconds} seconds."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var saved = await chain.SaveSettingsAsync(id, new ChainSettings(family, urls, poll, request.AutoResume ?? false), caller, cancellationToken);
        return TypedResults.Ok(ChainSettingsResponse.From(saved));
    }

    private static async Task<Results<Ok<StatusUrlResponse>, ValidationProblem>> StatusUrlAsync(
        Guid id, string key, StatusUrlRequest request, ClaimsPrincipal caller, ChainService chain, CancellationToken cancellationToken)
    {
        Uri? url = null;
        if (!string.IsNullOrWhiteSpace(request.StatusUrl) && !ChainService.TryUrl(request.StatusUrl, out url, out var error))
        {
            return ApiProblems.Invalid("statusUrl", error);
        }

        var validator = await chain.SetStatusUrlAsync(id, key, url, caller, cancellationToken);
        return TypedResults.Ok(new StatusUrlResponse(validator.Key, validator.StatusUrl));
    }
}
