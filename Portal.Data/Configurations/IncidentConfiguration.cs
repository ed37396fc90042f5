using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.ToTable("incidents");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.Title).HasMaxLength(Limits.IncidentTitleMax);
        builder.Property(i => i.Summary).HasMaxLength(Limits.SummaryMax);
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(i => i.TimelineHead).HasMaxLength(64).IsFixedLength();
        builder.Property(i => i.TimelineSeal).HasMaxLength(64).IsFixedLength();
        builder.Ignore(i => i.Anchor);

        // Every change to an incident bumps Revision and rewrites this row, so xmin catches two writers racing.
        builder.Property<uint>("RowVersion").HasColumnName("xmin").HasColumnType("xid").IsRowVersion();

        builder.HasIndex(i => i.NetworkId);
        builder.HasOne<Network>().WithMany().HasForeignKey(i => i.NetworkId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(i => i.Validators).WithOne().HasForeignKey(v => v.IncidentId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(i => i.Validators).HasField("_validators").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class IncidentValidatorConfiguration : IEntityTypeConfiguration<IncidentValidator>
{
    public void Configure(EntityTypeBuilder<IncidentValidator> builder)
    {
        builder.ToTable("incident_validators");
        builder.HasKey(v => new { v.IncidentId, v.ValidatorId });
        builder.Property(v => v.Stake).HasConversion<StakeConverter>().HasColumnType(StakeConverter.ColumnType);
        builder.Property(v => v.State).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(v => v.Version).HasMaxLength(Limits.VersionMax);
        builder.Property(v => v.Note).HasMaxLength(Limits.NoteMax);
        builder.Property(v => v.UpdatedBy).HasMaxLength(Limits.ValidatorNameMax);
        builder.HasOne<Validator>().WithMany().HasForeignKey(v => v.ValidatorId).OnDelete(DeleteBehavior.Restrict);
    }
}
