using System.Numerics;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Domain;

namespace Portal.Data.Configurations;

/// <summary>
/// Stake travels as <see cref="BigInteger"/> to a <c>numeric(38,0)</c> column: Npgsql reads and writes
/// numeric as BigInteger exactly, where <see cref="decimal"/> would stop at 28 digits.
/// </summary>
internal sealed class StakeConverter() : ValueConverter<Stake, BigInteger>(
    stake => (BigInteger)stake.Value,
    units => Stake.FromUnits((UInt128)units))
{
    public const string ColumnType = "numeric(38,0)";
}
