using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class SnapshotConfiguration : IEntityTypeConfiguration<Snapshot>
{
    public void Configure(EntityTypeBuilder<Snapshot> builder)
    {
        builder.ToTable("snapshots");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.BlockHash).HasMaxLength(Snapshot.BlockHashMax);
        builder.Property(s => s.DeclaredSha256).HasConversion(d => d.Hex, hex => Sha256Digest.Parse(hex)).HasMaxLength(Sha256Digest.Length).IsFixedLength();
        builder.Property(s => s.ComputedSha256).HasMaxLength(Sha256Digest.Length).IsFixedLength();
        builder.Property(s => s.FileName).HasMaxLength(Snapshot.FileNameMax);
        builder.Property(s => s.Notes).HasMaxLength(Snapshot.NotesMax);
        builder.Property(s => s.BlobKey).HasMaxLength(1024);
        builder.Property(s => s.UploadId).HasMaxLength(1024);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        builder.Property(s => s.UploadedBy).HasMaxLength(256);
        builder.Property(s => s.ApprovedBy).HasMaxLength(256);
        builder.Property(s => s.RevokedReason).HasMaxLength(Limits.NoteMax);
        builder.HasIndex(s => new { s.IncidentId, s.CreatedAt });
        builder.HasIndex(s => s.Status);
        builder.HasOne<Incident>().WithMany().HasForeignKey(s => s.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
