using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Chain;
using Portal.Domain;

namespace Portal.Data.Configurations;

internal sealed class NetworkChainConfiguration : IEntityTypeConfiguration<NetworkChain>
{
    public void Configure(EntityTypeBuilder<NetworkChain> builder)
    {
        builder.ToTable("network_chains");
        builder.HasKey(c => c.NetworkId);
        builder.Property(c => c.NetworkId).ValueGeneratedNever();
        builder.Property(c => c.Family).HasConversion(f => f == ChainFamily.CometBft ? "cometbft" : "solana", s => s == "cometbft" ? ChainFamily.CometBft : ChainFamily.Solana)
            .HasMaxLength(EnumColumns.MaxLength);
        builder.Property(c => c.RpcUrls).HasColumnType("jsonb").HasConversion(
            urls => System.Text.Json.JsonSerializer.Serialize(urls, (System.Text.Json.JsonSerializerOptions?)null),
            json => System.Text.Json.JsonSerializer.Deserialize<List<string>>(json, (System.Text.Json.JsonSerializerOptions?)null) ?? new List<string>(),
            new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), l => l.ToList()));
        builder.Property(c => c.NodeVersion).HasMaxLength(Limits.VersionMax);
        builder.Property(c => c.LastError).HasMaxLength(NetworkChain.ErrorMax);
        builder.Property(c => c.Anomaly).HasMaxLength(NetworkChain.ErrorMax);
        builder.HasOne<Network>().WithOne().HasForeignKey<NetworkChain>(c => c.NetworkId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IncidentChainConfiguration : IEntityTypeConfiguration<IncidentChain>
{
    public void Configure(EntityTypeBuilder<IncidentChain> builder)
    {
        builder.ToTable("incident_chains");
        builder.HasKey(c => c.IncidentId);
        builder.Property(c => c.IncidentId).ValueGeneratedNever();
        builder.HasOne<Incident>().WithOne().HasForeignKey<IncidentChain>(c => c.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ValidatorChainMarkConfiguration : IEntityTypeConfiguration<ValidatorChainMark>
{
    public void Configure(EntityTypeBuilder<ValidatorChainMark> builder)
    {
        builder.ToTable("validator_chain_marks");
        builder.HasKey(m => new { m.IncidentId, m.ValidatorId });
        builder.Property(m => m.NodeVersion).HasMaxLength(Limits.VersionMax);
        builder.Property(m => m.VersionError).HasMaxLength(NetworkChain.ErrorMax);
        builder.HasOne<IncidentValidator>().WithOne().HasForeignKey<ValidatorChainMark>(m => new { m.IncidentId, m.ValidatorId }).OnDelete(DeleteBehavior.Cascade);
    }
}
