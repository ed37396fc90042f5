using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Portal.Tests.Browser;

/// <summary>
/// A throw-away TLS certificate for <c>localhost</c>, made in memory once per test run. The browser tests'
/// Chromium trusts exactly this key (<c>--ignore-certificate-errors-spki-list</c>), so pages load as a
/// normal, error-free HTTPS site, with no certificate store touched.
/// </summary>
internal static class LocalhostCertificate
{
    private static readonly Lazy<X509Certificate2> Made = new(Create);

    public static X509Certificate2 Certificate => Made.Value;

    /// <summary>Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's SPKI list wants it.</summary>
    public static string SpkiSha256 => Convert.ToBase64String(SHA256.HashData(Certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Round-trip through PKCS#12 so Kestrel gets a certificate whose private key it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), password: null);
    }
}
