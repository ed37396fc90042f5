using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Portal.Web.Features.Chain;

public static class ChainSetup
{
    /// <summary>
    /// The adapters, the import service and the watch. One named HTTP client carries the resilience pipeline:
    /// an overall limit, retries with exponential back-off and jitter for timeouts, connection failures and 5xx,
    /// and a timeout per attempt. Fallback to the next URL is the adapters' (it needs the response read, not just sent).
    /// </summary>
    public static IServiceCollection AddChain(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ChainOptions.Section).Get<ChainOptions>() ?? new ChainOptions();
        services.AddSingleton(options);
        services.AddHttpClient(ChainRpcClient.HttpClientName, client =>
            {
                client.MaxResponseContentBufferSize = options.MaxResponseBytes;
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("validator-portal-chain-watch/1");
            })
            .AddResilienceHandler("chain-rpc", pipeline =>
            {
                // Network timeouts and back-off run on the wall clock, whatever clock the rest of the portal is given.
                pipeline.TimeProvider = TimeProvider.System;
                var attempt = TimeSpan.FromSeconds(options.AttemptTimeoutSeconds);
                pipeline.AddTimeout(attempt * (options.Retries + 1) + TimeSpan.FromSeconds(options.Retries * 2 + 1));
                if (options.Retries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.Retries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(200),
                    });
                }

                pipeline.AddTimeout(attempt);
            });
        services.AddSingleton<ChainRpcClient>();
        services.AddSingleton<IChainAdapter, CometBftAdapter>();
        services.AddSingleton<IChainAdapter, SolanaAdapter>();
        services.AddSingleton<ChainAdapters>();
        services.AddSingleton<CosmosNames>();
        services.AddScoped<ChainService>();
        services.AddScoped<ChainReader>();
        services.AddSingleton<ChainPanelCache>();
        services.AddSingleton<ChainWatch>();
        services.AddHostedService(s => s.GetRequiredService<ChainWatch>());
        return services;
    }
}
