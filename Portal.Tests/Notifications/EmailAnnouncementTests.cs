using Portal.Tests.Web.Api;

namespace Portal.Tests.Notifications;

/// <summary>E-mail through MailKit to a real SMTP server on loopback: the release announcement to the incident's operators.</summary>
public sealed class EmailAnnouncementTests : IAsyncLifetime
{
    private SmtpPeer _smtp = null!;
    private NotificationPortal _portal = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpPeer.StartAsync();
        _portal = new NotificationPortal(extra: new Dictionary<string, string>
        {
            ["Portal:Smtp:Host"] = "127.0.0.1",
            ["Portal:Smtp:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Portal:Smtp:From"] = "Validator portal <portal@example.org>",
            ["Portal:Smtp:StartTls"] = "false",
        });
        await _portal.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    // A notification address its owner confirmed by the link (NotificationSettingsTests covers the link itself).
    private async Task SetEmailAsync(Guid userId, string email) =>
        await _portal.Db.ExecuteAsync(
            "INSERT INTO notification_settings (user_id, email, email_verified_at, time_zone, quiet_start_minute, quiet_end_minute, updated_at) " +
            $"VALUES ('{userId}', '{email}', now(), 'UTC', 1380, 420, now())");

    // The account's own address, never confirmed for notifications.
    private async Task SetAccountEmailAsync(Guid userId, string email) =>
        await _portal.Db.ExecuteAsync($"UPDATE users SET email = '{email}', normalized_email = '{email.ToUpperInvariant()}' WHERE id = '{userId}'");

    [Fact]
    public async Task A_published_release_is_mailed_to_each_operator_of_the_incident_with_version_checksums_verify_commands_and_their_link()
    {
        var scenario = await ApiScenario.CreateAsync(_portal, count: 4);
        var elsewhere = await ApiScenario.CreateAsync(_portal, count: 2);
        var (alice, _) = await scenario.OperatorAsync(0, 1); // two validators, one e-mail
        var (bob, _) = await scenario.OperatorAsync(2);
        var (carol, _) = await elsewhere.OperatorAsync(0); // another network's operator
        await SetEmailAsync(alice.Id, "alice@validators.example");
        await SetEmailAsync(bob.Id, "bob@validators.example");
        await SetEmailAsync(carol.Id, "carol@validators.example");
        var (erin, _) = await scenario.OperatorAsync(3); // only an account address: never mailed
        await SetAccountEmailAsync(erin.Id, "erin@validators.example");

        await scenario.PublishReleaseAsync();

        // Written with the publication: one row per operator, none for the other network's.
        Assert.Equal(
            "alice@validators.example,bob@validators.example",
            await _portal.Db.ScalarAsync<string>("SELECT string_agg(address, ',' ORDER BY address) FROM outbox_messages WHERE kind = 'email' AND event_type = 'release.published'"));

        var first = await _smtp.NextAsync();
        var second = await _smtp.NextAsync();
        var messages = new[] { first, second }.OrderBy(m => m.To.ToString(), StringComparer.Ordinal).ToArray();
        Assert.Equal("alice@validators.example", messages[0].To.Mailboxes.Single().Address);
        Assert.Equal("bob@validators.example", messages[1].To.Mailboxes.Single().Address);

        var mail = messages[0];
        Assert.Equal("portal@example.org", mail.From.Mailboxes.Single().Address);
        Assert.Equal($"[CyberMiles] Hotfix {Api.Hotfix} published: upgrade your validator", mail.Subject);
        Assert.Matches("^msg_[0-9a-f]{32}@validator-portal$", mail.MessageId);
        var link = $"{NotificationPortal.PublicUrl}/me/validators";
        const string sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        var url = $"https://github.com/CyberMiles/travis/releases/download/{Api.Hotfix}/travis_{Api.Hotfix}_linux-amd64.tar.gz";

        Assert.Contains($"Version: {Api.Hotfix}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(url, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"SHA-256: {sha}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("48,213,094 bytes", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"| sha256sum -c", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(link, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("snapshot at **1724748**", mail.TextBody, StringComparison.Ordinal); // the notes as written

        Assert.Contains($"<h2>Version {Api.Hotfix}</h2>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{url}\">", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"<code>{sha}</code>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("sha256sum -c", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{link}\">Report your validators&#39; state</a>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<strong>1724748</strong>", mail.HtmlBody, StringComparison.Ordinal); // notes rendered from Markdown
        Assert.DoesNotContain("<script", mail.HtmlBody, StringComparison.OrdinalIgnoreCase);

        await _portal.UntilAsync("SELECT count(*) = 2 FROM outbox_messages WHERE kind = 'email' AND status = 'delivered'");
        Assert.Equal(2, _smtp.All.Count);
    }

    [Fact]
    public async Task Quorum_reached_is_mailed_too_but_single_reports_are_not()
    {
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var (dave, _) = await scenario.OperatorAsync(0);
        await SetEmailAsync(dave.Id, "dave@validators.example");
        await scenario.PublishReleaseAsync();
        var announcement = await _smtp.NextAsync();
        Assert.Contains(Api.Hotfix, announcement.Subject, StringComparison.Ordinal);

        await scenario.ReportAllAsync("ready", [0, 1, 2]);
        var reached = await _smtp.NextAsync();

        Assert.Equal("[CyberMiles] Quorum reached: CVM crash halts mainnet at block 1724747", reached.Subject);
        Assert.Contains("3 of 3 validators ready", reached.TextBody, StringComparison.Ordinal);
        Assert.Contains($"{NotificationPortal.PublicUrl}/incidents/{scenario.IncidentId}", reached.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(0, await _portal.Db.ScalarAsync<long>($"SELECT count(*) FROM outbox_messages WHERE kind = 'email' AND event_type = 'validator.status_changed'"));
    }
}
