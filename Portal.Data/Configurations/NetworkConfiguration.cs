using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class NetworkConfiguration : IEntityTypeConfiguration<Network>
{
    public void Configure(EntityTypeBuilder<Network> builder)
    {
        builder.ToTable("networks");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Name).HasMaxLength(Limits.NetworkNameMax);
        builder.Property(n => n.ChainId).HasMaxLength(Limits.ChainIdMax);
        builder.HasIndex(n => n.ChainId).IsUnique();
        builder.Property(n => n.Decimals).HasColumnName("unit_decimals");
        builder.Property(n => n.Symbol).HasColumnName("unit_symbol").HasMaxLength(DisplayUnit.SymbolMax);
        builder.ComplexProperty(n => n.Quorum, quorum =>
        {
            quorum.Property(q => q.Numerator).HasColumnName("quorum_numerator");
            quorum.Property(q => q.Denominator).HasColumnName("quorum_denominator");
            quorum.Property(q => q.Strict).HasColumnName("quorum_strict");
            quorum.Property(q => q.Weighting).HasColumnName("quorum_weighting").HasConversion<string>().HasMaxLength(EnumColumns.MaxLength);
        });
    }
}
