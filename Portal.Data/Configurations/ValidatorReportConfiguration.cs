using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Reports;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class ValidatorReportConfiguration : IEntityTypeConfiguration<ValidatorReport>
{
    public void Configure(EntityTypeBuilder<ValidatorReport> builder)
    {
        builder.ToTable("validator_reports");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).UseIdentityAlwaysColumn();
        builder.Property(r => r.FromState).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(r => r.ToState).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(r => r.Version).HasMaxLength(Limits.VersionMax);
        builder.Property(r => r.Actor).HasMaxLength(TimelineEvent.ActorMax);
        builder.HasIndex(r => new { r.IncidentId, r.Id });
        builder.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Validator>().WithMany().HasForeignKey(r => r.ValidatorId).OnDelete(DeleteBehavior.Restrict);
    }
}
