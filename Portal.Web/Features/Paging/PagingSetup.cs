namespace Portal.Web.Features.Paging;

public static class PagingSetup
{
    /// <summary>
    /// Channel settings, paging, reminders and escalation. The Telegram and PagerDuty clients log no requests:
    /// the bot token is part of Telegram's URLs, and neither request is worth a line of its own.
    /// </summary>
    public static IServiceCollection AddPaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(PagingOptions.Section).Get<PagingOptions>() ?? new PagingOptions());
        services.AddSingleton(configuration.GetSection(TelegramOptions.Section).Get<TelegramOptions>() ?? new TelegramOptions());
        services.AddSingleton(configuration.GetSection(PagerDutyOptions.Section).Get<PagerDutyOptions>() ?? new PagerDutyOptions());
        services.AddHttpClient(TelegramSender.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.AddHttpClient(PagerDutySender.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.AddSingleton<TelegramSender>();
        services.AddSingleton<PagerDutySender>();
        services.AddSingleton<PageRateLimiter>();
        services.AddSingleton<INoticeOutbox, OutboxNoticeWriter>();
        services.AddScoped<Notifications.INotificationSender, TelegramNotificationSender>();
        services.AddScoped<Notifications.INotificationSender, PagerDutyNotificationSender>();
        services.AddScoped<PortalLinks>();
        services.AddScoped<Recipients>();
        services.AddScoped<PagingHooks>();
        services.AddScoped<Incidents.IStatusReportObserver>(provider => provider.GetRequiredService<PagingHooks>());
        services.AddScoped<PagingService>();
        services.AddScoped<PagingSweeper>();
        services.AddScoped<NotificationSettingsService>();
        services.AddScoped<SecondaryContactService>();
        services.AddHostedService<PagingSweep>();
        return services;
    }
}
