using Portal.Web.Features.Releases;

namespace Portal.Tests.Web;

public sealed class SafeMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "<script>")]
    [InlineData("<img src=x onerror=alert(1)>", "<img")]
    [InlineData("[click](javascript:alert(1))", "javascript:")]
    [InlineData("[click](JaVaScRiPt:alert(1))", "avascript:")]
    [InlineData("[click]( javascript:alert(1) )", "javascript:")]
    [InlineData("[click]: javascript:alert(1)\n\nsee [click]", "javascript:")]
    [InlineData("[click](&#106;avascript:alert(1))", "avascript:")]
    [InlineData("![x](data:text/html;base64,PHNjcmlwdD4=)", "data:")]
    [InlineData("<javascript:alert(1)>", "javascript:")]
    public void Raw_html_and_script_links_are_neutralised(string markdown, string mustNotAppear)
    {
        var html = SafeMarkdown.ToHtml(markdown);

        Assert.DoesNotContain(mustNotAppear, html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Ordinary_notes_keep_their_formatting_and_safe_links()
    {
        var html = SafeMarkdown.ToHtml("**Upgrade** to `v0.1.8-beta-hotfix`: see [the release](https://github.com/CyberMiles/travis/releases/tag/v0.1.8-beta-hotfix) or mail <mailto:ops@example.org>.\n\n1. stop\n2. start");

        Assert.Contains("<strong>Upgrade</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<code>v0.1.8-beta-hotfix</code>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://github.com/CyberMiles/travis/releases/tag/v0.1.8-beta-hotfix\"", html, StringComparison.Ordinal);
        Assert.Contains("<ol>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_raw_html_is_shown_as_text()
    {
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt;", SafeMarkdown.ToHtml("<b>bold</b>"), StringComparison.Ordinal);
    }
}
