using System.Globalization;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>Builders for validator sets used by the quorum tests.</summary>
internal static class VoterSets
{
    /// <summary>Validators of equal stake, keyed v000, v001, … in the order the groups are given.</summary>
    public static QuorumVoter[] Uniform(UInt128 stake, params (ValidatorState State, int Count)[] groups)
    {
        var voters = new List<QuorumVoter>();
        foreach (var (state, count) in groups)
        {
            for (var i = 0; i < count; i++)
            {
                voters.Add(new QuorumVoter(Key(voters.Count), Stake.FromUnits(stake), state));
            }
        }

        return [.. voters];
    }

    public static QuorumVoter Voter(string key, string stake, ValidatorState state) => new(key, Stake.Parse(stake), state);

    public static string Key(int index) => "v" + index.ToString("D4", CultureInfo.InvariantCulture);
}
