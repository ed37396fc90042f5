using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>The commander's moves: one table offered to pages and enforced by <see cref="Incident.MoveTo"/>; overrides need a reason.</summary>
public sealed class IncidentMoveTests
{
    private static readonly DateTimeOffset T0 = new(2019, 5, 21, 8, 0, 0, TimeSpan.Zero);

    private static Incident In(IncidentStatus status)
    {
        var incident = Incident.Declare(Network.Create("CyberMiles", "cmt", QuorumRule.TwoThirdsOfStake, T0), "Halt", BlockHeight.Create(1), null, T0);
        var reached = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, [new QuorumVoter("a", Stake.Parse("10"), ValidatorState.Ready)]);
        switch (status)
        {
            case IncidentStatus.Investigating:
                break;
            case IncidentStatus.Fixing or IncidentStatus.Coordinating:
                incident.MoveTo(status, quorumReached: false, null, T0);
                break;
            case IncidentStatus.QuorumReached:
                incident.MoveTo(IncidentStatus.Coordinating, false, null, T0);
                Assert.NotNull(incident.SyncWithQuorum(reached, T0));
                break;
            case IncidentStatus.Resumed or IncidentStatus.Closed:
                incident.MoveTo(IncidentStatus.Coordinating, false, null, T0);
                incident.SyncWithQuorum(reached, T0);
                incident.MoveTo(status, quorumReached: true, null, T0);
                break;
        }

        Assert.Equal(status, incident.Status);
        return incident;
    }

    [Theory]
    [InlineData(IncidentStatus.Investigating, "Fixing,Coordinating,Closed")]
    [InlineData(IncidentStatus.Fixing, "Coordinating,Closed")]
    [InlineData(IncidentStatus.Coordinating, "Resumed,Closed")]
    [InlineData(IncidentStatus.QuorumReached, "Resumed,Closed")]
    [InlineData(IncidentStatus.Resumed, "Closed")]
    [InlineData(IncidentStatus.Closed, "")]
    public void AllowedMovesAreExactlyTheMovesMoveToTakes(IncidentStatus from, string expected)
    {
        Assert.Equal(expected, string.Join(",", In(from).AllowedMoves()));
        foreach (var next in Enum.GetValues<IncidentStatus>())
        {
            var incident = In(from);
            var offered = incident.AllowedMoves().Contains(next);
            var ex = Record.Exception(() => incident.MoveTo(next, quorumReached: true, "a reason long enough", T0));
            Assert.True(offered == ex is null, $"{from} → {next}: offered {offered}, MoveTo threw {ex?.Message ?? "nothing"}");
            Assert.True(ex is null or IllegalTransitionException);
        }
    }

    [Theory]
    [InlineData(IncidentStatus.Coordinating, IncidentStatus.Resumed)]
    [InlineData(IncidentStatus.Coordinating, IncidentStatus.Closed)]
    [InlineData(IncidentStatus.Investigating, IncidentStatus.Closed)]
    public void ResumingOrClosingBeforeQuorumNeedsAReasonOfTenCharacters(IncidentStatus from, IncidentStatus next)
    {
        foreach (var reason in new string?[] { null, "", "   ", "too short", "  123456789  " })
        {
            var incident = In(from);
            var revision = incident.Revision;
            var ex = Assert.Throws<IllegalTransitionException>(() => incident.MoveTo(next, quorumReached: false, reason, T0));
            Assert.Contains("at least 10 characters", ex.Message, StringComparison.Ordinal);
            Assert.Equal(from, incident.Status);
            Assert.Equal(revision, incident.Revision);
        }

        var moved = In(from);
        var (cleanReason, isOverride) = moved.MoveTo(next, quorumReached: false, "  Chain restarted by validators off-portal. ", T0);
        Assert.True(isOverride);
        Assert.Equal("Chain restarted by validators off-portal.", cleanReason);
        Assert.Equal(next, moved.Status);
    }

    [Fact]
    public void MovesAfterQuorumOrToWorkingStatusesNeedNoReason()
    {
        Assert.False(In(IncidentStatus.QuorumReached).MoveTo(IncidentStatus.Resumed, quorumReached: true, null, T0).Override);
        Assert.False(In(IncidentStatus.Resumed).MoveTo(IncidentStatus.Closed, quorumReached: true, null, T0).Override);
        Assert.False(In(IncidentStatus.Investigating).MoveTo(IncidentStatus.Coordinating, quorumReached: false, null, T0).Override);
        Assert.True(Incident.IsOverride(IncidentStatus.Closed, quorumReached: false));
        Assert.False(Incident.IsOverride(IncidentStatus.Fixing, quorumReached: false));
    }
}
