using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Notifications;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).UseIdentityAlwaysColumn();
        builder.Property(m => m.MessageId).HasMaxLength(40);
        builder.HasIndex(m => m.MessageId).IsUnique();
        builder.Property(m => m.Kind).HasMaxLength(OutboxMessage.KindMax);
        builder.Property(m => m.DestinationKey).HasMaxLength(OutboxMessage.DestinationKeyMax);
        builder.Property(m => m.Address).HasMaxLength(OutboxMessage.AddressMax);
        builder.Property(m => m.EventType).HasMaxLength(OutboxMessage.EventTypeMax);
        builder.Property(m => m.Payload).HasColumnType("jsonb");
        builder.Property(m => m.Status).HasMaxLength(EnumColumns.MaxLength);
        builder.Property(m => m.LastError).HasMaxLength(OutboxMessage.ErrorMax);
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(m => m.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Url).HasMaxLength(WebhookSubscription.UrlMax);
        builder.Property(s => s.Events).HasColumnType("jsonb").HasConversion(
            events => System.Text.Json.JsonSerializer.Serialize(events, (System.Text.Json.JsonSerializerOptions?)null),
            json => System.Text.Json.JsonSerializer.Deserialize<List<string>>(json, (System.Text.Json.JsonSerializerOptions?)null) ?? new List<string>(),
            new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), l => l.ToList()));
        builder.Property(s => s.Format).HasMaxLength(EnumColumns.MaxLength);
        builder.Property(s => s.Secret).HasMaxLength(200);
        builder.Property(s => s.CreatedBy).HasMaxLength(256);
        builder.HasOne<Network>().WithMany().HasForeignKey(s => s.NetworkId).OnDelete(DeleteBehavior.Cascade);
    }
}
