using Portal.Web.Components.Releases;

namespace Portal.Tests.Web;

/// <summary>Pasting <c>sha256sum</c> output into the release editor: digests by file name, new rows, readable sizes.</summary>
public sealed class ShaSumPasteTests
{
    private const string A = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string B = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    [Fact]
    public void Lines_fill_the_rows_whose_urls_end_with_the_file_name_and_add_rows_for_the_others()
    {
        List<ArtifactRow> rows =
        [
            new() { Platform = "linux-amd64", Url = "https://example.org/v1/node_linux-amd64.tar.gz?download=1" },
            new() { Platform = "darwin-arm64", Url = "https://example.org/v1/node_darwin-arm64.tar.gz" },
        ];

        var (filled, added, bad) = ShaSumPaste.Apply($"{A}  node_linux-amd64.tar.gz\r\n{B.ToUpperInvariant()} *node_darwin-arm64.tar.gz\n{A}  dist/node_windows-amd64.zip\nnot a line\n", rows);

        Assert.Equal((2, 1, 1), (filled, added, bad));
        Assert.Equal(A, rows[0].Sha256);
        Assert.Equal(B, rows[1].Sha256);
        Assert.Equal(3, rows.Count);
        Assert.Equal(("windows-amd64", A, "node_windows-amd64.zip"), (rows[2].Platform, rows[2].Sha256, rows[2].FileName));
        Assert.Equal("The URL of node_windows-amd64.zip", rows[2].Hint);
    }

    [Fact]
    public void An_empty_row_takes_the_first_unknown_file_instead_of_a_new_row()
    {
        List<ArtifactRow> rows = [new()];

        var (filled, added, _) = ShaSumPaste.Apply($"{A}  node_linux-arm64.tar.gz", rows);

        Assert.Equal((0, 1), (filled, added));
        Assert.Equal(("linux-arm64", A), (Assert.Single(rows).Platform, rows[0].Sha256));
    }

    [Theory]
    [InlineData(0, "0 bytes")]
    [InlineData(1023, "1,023 bytes")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(48_213_094, "46.0 MiB")]
    [InlineData(18L * 1024 * 1024 * 1024, "18.0 GiB")]
    public void Sizes_read_in_binary_units(long bytes, string expected) => Assert.Equal(expected, ShaSumPaste.ReadableSize(bytes));
}
