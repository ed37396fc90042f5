using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Audit;
using Portal.Data.Identity;

namespace Portal.Data.Configurations;

/// <summary>Identity's tables under plain names; their columns follow the snake_case convention.</summary>
internal sealed class IdentityTableNames :
    IEntityTypeConfiguration<PortalUser>,
    IEntityTypeConfiguration<IdentityRole<Guid>>,
    IEntityTypeConfiguration<IdentityUserRole<Guid>>,
    IEntityTypeConfiguration<IdentityUserClaim<Guid>>,
    IEntityTypeConfiguration<IdentityUserLogin<Guid>>,
    IEntityTypeConfiguration<IdentityUserToken<Guid>>,
    IEntityTypeConfiguration<IdentityRoleClaim<Guid>>,
    IEntityTypeConfiguration<IdentityUserPasskey<Guid>>
{
    public void Configure(EntityTypeBuilder<PortalUser> builder) => builder.ToTable("users");
    public void Configure(EntityTypeBuilder<IdentityRole<Guid>> builder) => builder.ToTable("roles");
    public void Configure(EntityTypeBuilder<IdentityUserRole<Guid>> builder) => builder.ToTable("user_roles");
    public void Configure(EntityTypeBuilder<IdentityUserClaim<Guid>> builder) => builder.ToTable("user_claims");
    public void Configure(EntityTypeBuilder<IdentityUserLogin<Guid>> builder) => builder.ToTable("user_logins");
    public void Configure(EntityTypeBuilder<IdentityUserToken<Guid>> builder) => builder.ToTable("user_tokens");
    public void Configure(EntityTypeBuilder<IdentityRoleClaim<Guid>> builder) => builder.ToTable("role_claims");
    public void Configure(EntityTypeBuilder<IdentityUserPasskey<Guid>> builder)
    {
        builder.ToTable("user_passkeys");
        builder.OwnsOne(p => p.Data).ToJson("data");
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("api_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Name).HasMaxLength(ApiToken.NameMax);
        builder.Property(t => t.Hint).HasMaxLength(16);
        builder.HasIndex(t => t.Hash).IsUnique();
        builder.HasIndex(t => t.UserId);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OperatorBindingConfiguration : IEntityTypeConfiguration<OperatorBinding>
{
    public void Configure(EntityTypeBuilder<OperatorBinding> builder)
    {
        builder.ToTable("operator_bindings");
        builder.HasKey(b => new { b.UserId, b.ValidatorId });
        builder.HasIndex(b => b.ValidatorId);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(b => b.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Portal.Domain.Validator>().WithMany().HasForeignKey(b => b.ValidatorId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SecurityEventConfiguration : IEntityTypeConfiguration<SecurityEvent>
{
    public void Configure(EntityTypeBuilder<SecurityEvent> builder)
    {
        builder.ToTable("security_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Kind).HasMaxLength(SecurityEvent.KindMax);
        builder.Property(e => e.Actor).HasMaxLength(SecurityEvent.ActorMax);
        builder.Property(e => e.SourceAddress).HasMaxLength(SecurityEvent.SourceMax);
        builder.Property(e => e.Detail).HasMaxLength(SecurityEvent.DetailMax);
        builder.HasIndex(e => e.At);
    }
}
