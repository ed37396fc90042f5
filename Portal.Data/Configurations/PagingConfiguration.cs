using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Identity;
using Portal.Data.Paging;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class NotificationSettingsConfiguration : IEntityTypeConfiguration<NotificationSettings>
{
    public void Configure(EntityTypeBuilder<NotificationSettings> builder)
    {
        builder.ToTable("notification_settings");
        builder.HasKey(s => s.UserId);
        builder.Property(s => s.UserId).ValueGeneratedNever();
        builder.Property(s => s.Email).HasMaxLength(EmailAddresses.Max);
        builder.Property(s => s.EmailTokenHash).HasMaxLength(64);
        builder.Property(s => s.TelegramChatId).HasMaxLength(ChannelRules.TelegramChatIdMax);
        builder.Property(s => s.PagerDutyRoutingKey).HasColumnName("pagerduty_routing_key").HasMaxLength(ChannelRules.PagerDutyRoutingKeyMax);
        builder.Property(s => s.TimeZone).HasMaxLength(Limits.TimeZoneMax);
        builder.Ignore(s => s.VerifiedEmail);
        builder.HasOne<PortalUser>().WithOne().HasForeignKey<NotificationSettings>(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SecondaryContactConfiguration : IEntityTypeConfiguration<SecondaryContact>
{
    public void Configure(EntityTypeBuilder<SecondaryContact> builder)
    {
        builder.ToTable("secondary_contacts");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.HasIndex(c => c.ContactUserId);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(c => c.ContactUserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Validator>().WithMany().HasForeignKey(c => c.ValidatorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PageConfiguration : IEntityTypeConfiguration<Page>
{
    public void Configure(EntityTypeBuilder<Page> builder)
    {
        builder.ToTable("pages");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.PagedByName).HasMaxLength(TimelineEvent.ActorMax);
        builder.Property(p => p.Message).HasMaxLength(ChannelRules.PageMessageMax);
        builder.Property(p => p.Channels).HasColumnType("jsonb").HasConversion(
            channels => System.Text.Json.JsonSerializer.Serialize(channels, (System.Text.Json.JsonSerializerOptions?)null),
            json => System.Text.Json.JsonSerializer.Deserialize<List<string>>(json, (System.Text.Json.JsonSerializerOptions?)null) ?? new List<string>(),
            new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), l => l.ToList()));
        builder.HasIndex(p => new { p.IncidentId, p.ValidatorId });
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(p => p.PagedBy).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<IncidentValidator>().WithMany().HasForeignKey(p => new { p.IncidentId, p.ValidatorId }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReminderConfiguration : IEntityTypeConfiguration<Reminder>
{
    public void Configure(EntityTypeBuilder<Reminder> builder)
    {
        builder.ToTable("reminders");
        builder.HasKey(r => new { r.IncidentId, r.ValidatorId, r.UserId });
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<IncidentValidator>().WithMany().HasForeignKey(r => new { r.IncidentId, r.ValidatorId }).OnDelete(DeleteBehavior.Cascade);
    }
}
