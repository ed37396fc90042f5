namespace Portal.Domain;

/// <summary>Where one validator is in the restart. Declared in the order of progress.</summary>
public enum ValidatorState
{
    /// <summary>Not heard from (or reset because a newer hotfix superseded the one it ran).</summary>
    Pending,

    /// <summary>The operator has seen the incident and the release.</summary>
    Acknowledged,

    /// <summary>Fetching the hotfix or the snapshot.</summary>
    Downloading,

    /// <summary>Running the hotfix, node not yet restarted or not yet caught up.</summary>
    Upgraded,

    /// <summary>Running the published hotfix, node restarted, waiting to sign. Only this counts toward quorum.</summary>
    Ready,

    /// <summary>Cannot proceed; the report carries a note saying why.</summary>
    Blocked,
}

/// <summary>
/// The one table that decides which state reports are legal. Operators move forward, possibly skipping
/// steps (a script may report <c>ready</c> straight away); they may report <c>blocked</c> from anywhere and
/// recover from it to any working state; a ready node may step back to <c>upgraded</c> (restarted, not
/// signing yet). Nobody reports <c>pending</c>: only a superseding release resets a validator to it
/// (<see cref="ValidatorTransitions.ResetForNewRelease"/>). Repeating the current state is an update
/// (a new version or note), not a transition, and is always allowed except for <c>pending</c>.
/// </summary>
public static class ValidatorTransitions
{
    private static readonly ValidatorState[] Working =
        [ValidatorState.Acknowledged, ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready];

    private static readonly Dictionary<ValidatorState, ValidatorState[]> Allowed = new()
    {
        [ValidatorState.Pending] = [.. Working, ValidatorState.Blocked],
        [ValidatorState.Acknowledged] = [ValidatorState.Acknowledged, ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready, ValidatorState.Blocked],
        [ValidatorState.Downloading] = [ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready, ValidatorState.Blocked],
        [ValidatorState.Upgraded] = [ValidatorState.Upgraded, ValidatorState.Ready, ValidatorState.Blocked],
        [ValidatorState.Ready] = [ValidatorState.Ready, ValidatorState.Upgraded, ValidatorState.Blocked],
        [ValidatorState.Blocked] = [.. Working, ValidatorState.Blocked],
    };

    public static IReadOnlyList<ValidatorState> AllowedFrom(ValidatorState from) => Allowed[from];

    public static bool IsAllowed(ValidatorState from, ValidatorState to) => Array.IndexOf(Allowed[from], to) >= 0;

    /// <summary>Throws <see cref="IllegalTransitionException"/> with a reason an operator can act on.</summary>
    public static void EnsureAllowed(ValidatorState from, ValidatorState to)
    {
        if (IsAllowed(from, to))
        {
            return;
        }

        var reason = to == ValidatorState.Pending
            ? "A validator cannot be reported as pending; only a newer hotfix resets validators to pending."
            : $"A validator that is {Name(from)} cannot go back to {Name(to)}; allowed next: {string.Join(", ", Allowed[from].Select(Name))}.";
        throw new IllegalTransitionException(reason);
    }

    /// <summary>
    /// A superseding release makes every validator past acknowledged pending again, because running the
    /// old fix no longer counts. Returns whether the state changes.
    /// </summary>
    public static bool ResetForNewRelease(ValidatorState current) =>
        current is ValidatorState.Downloading or ValidatorState.Upgraded or ValidatorState.Ready;

    /// <summary>The wire name: <c>pending</c>, <c>acknowledged</c>, …</summary>
    public static string Name(ValidatorState state) => state.ToString().ToLowerInvariant();
}
