using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class ValidatorConfiguration : IEntityTypeConfiguration<Validator>
{
    public void Configure(EntityTypeBuilder<Validator> builder)
    {
        builder.ToTable("validators");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.Key).HasMaxLength(Limits.ValidatorKeyMax);
        builder.Property(v => v.Name).HasMaxLength(Limits.ValidatorNameMax);
        builder.Property(v => v.TimeZone).HasMaxLength(Limits.TimeZoneMax);
        builder.Property(v => v.Contact).HasMaxLength(Limits.ContactMax);
        builder.Property(v => v.StatusUrl).HasMaxLength(Limits.ContactMax);
        builder.HasIndex(v => new { v.NetworkId, v.Key }).IsUnique();
        builder.HasOne<Network>().WithMany().HasForeignKey(v => v.NetworkId).OnDelete(DeleteBehavior.Restrict);
    }
}
