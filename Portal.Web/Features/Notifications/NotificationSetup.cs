namespace Portal.Web.Features.Notifications;

public static class NotificationSetup
{
    /// <summary>The HTTP client for every notification channel: guarded connections, no redirects, no request logging.</summary>
    public const string HttpClientName = "notifications";

    /// <summary>The outbox, its dispatcher, the audiences (webhooks, operators' e-mail) and the senders (webhook, e-mail).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(NotificationOptions.Section).Get<NotificationOptions>() ?? new NotificationOptions();
        var webhooks = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        var smtp = configuration.GetSection(SmtpOptions.Section).Get<SmtpOptions>() ?? new SmtpOptions();
        services.AddSingleton(options);
        services.AddSingleton(webhooks);
        services.AddSingleton(smtp);
        services.AddSingleton<PortalLinks>();

        // The default request logging would write each URL, and chat webhook URLs carry their token.
        services.AddHttpClient(HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // the dispatcher's per-attempt token limits each call
                client.DefaultRequestHeaders.UserAgent.ParseAdd("validator-portal-webhooks/1");
            })
            .ConfigurePrimaryHttpMessageHandler(() => WebhookAddresses.CreateHandler(webhooks.AllowPrivateAddresses))
            .RemoveAllLoggers();

        services.AddScoped<NotificationFanOut>();
        services.AddScoped<INotificationAudience, WebhookAudience>();
        services.AddScoped<INotificationAudience, OperatorEmailAudience>();
        services.AddScoped<INotificationSender, WebhookSender>();
        services.AddScoped<INotificationSender, EmailSender>();
        services.AddScoped<WebhookService>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(s => s.GetRequiredService<OutboxDispatcher>());
        services.AddHealthChecks().AddCheck<OutboxHealthCheck>("outbox", tags: ["ready"]);
        return services;
    }
}
