namespace Portal.Tests.Infrastructure;

/// <summary>
/// A test class running two portal instances on one PostgreSQL database, fresh for every test: <see cref="A"/>
/// creates and migrates the database, <see cref="B"/> is another process on it (a second instance behind a load
/// balancer), so whatever reaches B from A went through the database.
/// </summary>
public abstract class TwoInstances<TFirst> : IAsyncLifetime
    where TFirst : PortalFactory, new()
{
    private PortalFactory? _b;

    protected TFirst A { get; } = new();

    protected PortalFactory B => _b ?? throw new InvalidOperationException("The second instance starts in InitializeAsync.");

    /// <summary>The second instance on <paramref name="database"/>; a class whose instances need settings of their own overrides it.</summary>
    protected virtual PortalFactory CreateSecond(TestDatabase database) => new SameDatabasePortal(database);

    public async Task InitializeAsync()
    {
        await A.InitializeAsync();
        _b = CreateSecond(A.Database);
        await _b.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        await A.DisposeAsync();
    }
}
