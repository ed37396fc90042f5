using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Portal.Web.Features.Releases;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Sends e-mail through the SMTP relay of <c>Portal:Smtp</c> with MailKit: one connection per message (a relay
/// nearby makes that cheap, and a message never waits on another's session). The Message-ID is the outbox
/// message id, so a message sent twice (at least once) is recognisably the same message.
/// </summary>
public sealed class EmailSender(SmtpOptions smtp, PortalLinks links) : INotificationSender
{
    public string Kind => DestinationKinds.Email;

    public async Task<DeliveryOutcome> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!smtp.IsConfigured)
        {
            return DeliveryOutcome.Retry("SMTP is not set up (Portal:Smtp:Host and From).");
        }

        if (!MailboxAddress.TryParse(item.Address, out var to))
        {
            return DeliveryOutcome.GiveUp("Not an e-mail address.");
        }

        var (subject, text, html) = EmailComposer.Compose(item.Payload, links);
        var message = new MimeMessage { Subject = subject, MessageId = $"{item.MessageId}@validator-portal" };
        message.From.Add(MailboxAddress.Parse(smtp.From!));
        message.To.Add(to);
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();

        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.User))
            {
                await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return DeliveryOutcome.Delivered(250);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            // A mailbox the relay refuses for good (5xx on the recipient) is not retried for a day.
            return ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted && code >= 500
                ? DeliveryOutcome.GiveUp($"SMTP {code}: recipient refused.", code)
                : DeliveryOutcome.Retry($"SMTP {code}: {ex.Message}", code);
        }
        catch (AuthenticationException)
        {
            // Never the credentials themselves.
            return DeliveryOutcome.Retry("SMTP authentication failed (check Portal:Smtp:User and Password).");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            return DeliveryOutcome.Retry($"SMTP: {ex.Message}");
        }
    }
}

/// <summary>Subject, plain text and HTML of a notification e-mail; every value HTML-encoded, release notes rendered safely.</summary>
public static class EmailComposer
{
    public static (string Subject, string Text, string Html) Compose(NotificationPayload payload, PortalLinks links)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(links);
        var link = links.Absolute(payload.Link, payload.Origin);
        var text = new StringBuilder().AppendLine(payload.Text);
        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
            .Append("<p>").Append(Encode(payload.Text)).Append("</p>");

        if (payload.Type == NotificationEvents.ReleasePublished)
        {
            AppendRelease(payload.Data, text, html);
        }
        else if (payload.Type == NotificationEvents.SnapshotPublished && payload.Data["verifyCommand"]?.GetValue<string>() is { } verify)
        {
            text.AppendLine().AppendLine("Verify the downloaded file:").AppendLine("  " + verify);
            html.Append("<p>Verify the downloaded file:</p><pre>").Append(Encode(verify)).Append("</pre>");
        }

        if (link is not null)
        {
            var label = payload.Link == NotificationEvents.OperatorLink ? "Report your validators' state" : "Open the incident";
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{label}: {link}");
            html.Append("<p><a href=\"").Append(Encode(link)).Append("\">").Append(Encode(label)).Append("</a></p>");
        }

        text.AppendLine().AppendLine("You receive this because you operate a validator of this network on the validator portal.");
        html.Append("<p style=\"color:#666\">You receive this because you operate a validator of this network on the validator portal.</p></body></html>");
        return (payload.Subject, text.ToString(), html.ToString());
    }

    private static void AppendRelease(JsonObject data, StringBuilder text, StringBuilder html)
    {
        var version = data["version"]?.GetValue<string>() ?? "";
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Version: {version}");
        html.Append("<h2>Version ").Append(Encode(version)).Append("</h2>");
        if (data["notes"]?.GetValue<string>() is { Length: > 0 } notes)
        {
            text.AppendLine().AppendLine(notes);
            html.Append(SafeMarkdown.ToHtml(notes));
        }

        if (data["artifacts"] is JsonArray { Count: > 0 } artifacts)
        {
            text.AppendLine().AppendLine("Artifacts:");
            html.Append("<h3>Artifacts</h3><ul>");
            foreach (var artifact in artifacts.OfType<JsonObject>())
            {
                var platform = artifact["platform"]?.GetValue<string>() ?? "";
                var url = artifact["url"]?.GetValue<string>() ?? "";
                var sha = artifact["sha256"]?.GetValue<string>() ?? "";
                var size = artifact["sizeBytes"]?.GetValue<long>() ?? 0;
                var verify = artifact["verifyCommand"]?.GetValue<string>() ?? "";
                text.AppendLine(CultureInfo.InvariantCulture, $"- {platform}: {url}")
                    .AppendLine(CultureInfo.InvariantCulture, $"  SHA-256: {sha} ({size.ToString("N0", CultureInfo.InvariantCulture)} bytes)")
                    .AppendLine(CultureInfo.InvariantCulture, $"  Verify: {verify}");
                html.Append("<li><strong>").Append(Encode(platform)).Append("</strong>: <a href=\"").Append(Encode(url)).Append("\">").Append(Encode(url)).Append("</a><br>")
                    .Append("SHA-256 <code>").Append(Encode(sha)).Append("</code> (").Append(size.ToString("N0", CultureInfo.InvariantCulture)).Append(" bytes)<br>")
                    .Append("Verify: <pre>").Append(Encode(verify)).Append("</pre></li>");
            }

            html.Append("</ul>");
        }
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
