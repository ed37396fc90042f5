using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Web.Features.Snapshots;

/// <summary>
/// Time-limited portal URLs, signed with the Data Protection key ring every instance shares: part uploads to
/// the local store, and the download links shown on incident pages. An expired or altered link is refused.
/// </summary>
public sealed class PartLinks(IDataProtectionProvider protection)
{
    public static readonly TimeSpan DownloadLinkLifetime = TimeSpan.FromHours(1);

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Portal.Snapshots.Links").ToTimeLimitedDataProtector();

    public Uri ForPart(Guid snapshotId, int partNumber, TimeSpan validFor) =>
        new($"/snapshots/parts/{_protector.Protect($"part|{snapshotId:N}|{partNumber}", DateTimeOffset.UtcNow.Add(validFor))}", UriKind.Relative);

    public Uri ForDownload(Guid snapshotId, TimeSpan validFor) =>
        new($"/snapshots/download/{_protector.Protect($"download|{snapshotId:N}", DateTimeOffset.UtcNow.Add(validFor))}", UriKind.Relative);

    public (Guid SnapshotId, int PartNumber)? ReadPart(string token) =>
        Read(token) is ["part", var id, var number] ? (Guid.Parse(id), int.Parse(number, CultureInfo.InvariantCulture)) : null;

    public Guid? ReadDownload(string token) => Read(token) is ["download", var id] ? Guid.Parse(id) : null;

    private string[]? Read(string token)
    {
        try
        {
            return _protector.Unprotect(token, out _).Split('|');
        }
        catch (CryptographicException)
        {
            return null; // expired, altered, or signed with a key this portal does not have
        }
    }
}
