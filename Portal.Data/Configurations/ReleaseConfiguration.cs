using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class ReleaseConfiguration : IEntityTypeConfiguration<Release>
{
    public void Configure(EntityTypeBuilder<Release> builder)
    {
        builder.ToTable("releases");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Version).HasMaxLength(Release.VersionMax);
        builder.Property(r => r.Notes).HasMaxLength(Release.NotesMax);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(r => r.CreatedBy).HasMaxLength(256);
        builder.Property(r => r.WithdrawnReason).HasMaxLength(Limits.NoteMax);
        builder.HasIndex(r => new { r.IncidentId, r.Version }).IsUnique();
        builder.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);

        // Artifacts are values of the release: stored in its row as JSON, replaced whole on edit.
        builder.Property<List<Artifact>>("_artifacts")
            .HasColumnName("artifacts")
            .HasColumnType("jsonb")
            .HasConversion(new ArtifactListConverter(), new ArtifactListComparer());
        builder.Ignore(r => r.Artifacts);
    }
}

internal sealed class TimelineEventConfiguration : IEntityTypeConfiguration<TimelineEvent>
{
    public void Configure(EntityTypeBuilder<TimelineEvent> builder)
    {
        builder.ToTable("timeline_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Kind).HasMaxLength(TimelineEvent.KindMax);
        builder.Property(e => e.Actor).HasMaxLength(TimelineEvent.ActorMax);
        builder.Property(e => e.Summary).HasMaxLength(TimelineEvent.SummaryMax);
        builder.Property(e => e.PreviousHash).HasMaxLength(64).IsFixedLength();
        builder.Property(e => e.Hash).HasMaxLength(64).IsFixedLength();
        builder.HasIndex(e => new { e.IncidentId, e.Id });
        builder.HasOne<Incident>().WithMany().HasForeignKey(e => e.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
