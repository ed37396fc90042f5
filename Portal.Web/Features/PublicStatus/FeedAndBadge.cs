using System.Globalization;
using System.Numerics;
using System.Text;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Api;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.PublicStatus;

/// <summary>
/// <c>/status/{id}/feed.atom</c> and <c>/status/{id}/badge.svg</c>: anonymous, cacheable companions of the public
/// page. Both say only what the public page says (public timeline summaries: no actors, contacts or notes), and
/// both carry the incident's revision as their ETag and its last change as Last-Modified, so a watcher or a proxy
/// revalidates with a 304 (If-None-Match, or If-Modified-Since when no If-None-Match is sent). HEAD answers as GET
/// does, without the body.
/// </summary>
public static class FeedAndBadge
{
    /// <summary>Feed readers and README badges poll; a minute of caching keeps that cheap, the ETag keeps it right.</summary>
    public const string CacheControl = "public, max-age=60";

    /// <summary>The newest entries the feed carries; older ones are on the public page's full timeline.</summary>
    public const int FeedEntries = 50;

    public static void MapPublicFeedAndBadge(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/status/{id:guid}").WithTags("public").AllowAnonymous();
        group.MapGet("/feed.atom", FeedAsync)
            .WithName("GetIncidentFeed")
            .WithSummary("The incident's public updates as an Atom feed")
            .WithDescription("No sign-in. The public timeline (no actors, contacts or status notes), newest first; DRILL in every title of a drill. Cacheable: ETag and Last-Modified.")
            .Produces<string>(StatusCodes.Status200OK, "application/atom+xml")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/badge.svg", BadgeAsync)
            .WithName("GetIncidentBadge")
            .WithSummary("An embeddable SVG badge of the incident's quorum progress")
            .WithDescription("No sign-in. Reads e.g. \"quorum | 58 % of 66.7 %\"; \"DRILL\" for a drill. Cacheable: ETag and Last-Modified.")
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // HEAD answers as GET does, without the body; the OpenAPI document lists the GETs only.
        group.MapMethods("/feed.atom", [HttpMethods.Head], FeedAsync).ExcludeFromDescription();
        group.MapMethods("/badge.svg", [HttpMethods.Head], BadgeAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> FeedAsync(Guid id, PortalDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var (incident, instead) = await IncidentOrAnswerAsync(id, "feed", db, http, cancellationToken);
        if (incident is null)
        {
            return instead!;
        }

        var network = await db.Networks.AsNoTracking().SingleAsync(n => n.Id == incident.NetworkId, cancellationToken);
        var entries = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.IncidentId == id)
            .OrderByDescending(e => e.Id)
            .Take(FeedEntries)
            .ToListAsync(cancellationToken);
        var origin = $"{http.Request.Scheme}://{http.Request.Host}";
        return Answer(http, Feed(incident, network, entries, origin), "application/atom+xml; charset=utf-8");
    }

    private static async Task<IResult> BadgeAsync(Guid id, PortalDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var (incident, instead) = await IncidentOrAnswerAsync(id, "badge", db, http, cancellationToken);
        if (incident is null)
        {
            return instead!;
        }

        var rule = await db.Networks.AsNoTracking().Where(n => n.Id == incident.NetworkId).Select(n => n.Quorum).SingleAsync(cancellationToken);
        var quorum = Quorum.FromTotals(rule, await IncidentWrites.QuorumTotalsAsync(db, id, cancellationToken));
        return Answer(http, Badge(incident.IsDrill, quorum), "image/svg+xml; charset=utf-8");
    }

    /// <summary>The text as UTF-8; to a HEAD request, only its headers (type and length), as GET would send them.</summary>
    private static IResult Answer(HttpContext http, string text, string contentType)
    {
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            return TypedResults.Text(text, contentType, Encoding.UTF8);
        }

        http.Response.ContentType = contentType;
        http.Response.ContentLength = Encoding.UTF8.GetByteCount(text);
        return TypedResults.Ok();
    }

    /// <summary>
    /// The incident <paramref name="what"/> is made from, or the answer to give instead: 404 when there is no such
    /// incident, 304 when the client's copy of <paramref name="what"/> is still current (caching headers set).
    /// </summary>
    private static async Task<(Incident? Incident, IResult? Instead)> IncidentOrAnswerAsync(Guid id, string what, PortalDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (incident is null)
        {
            return (null, ApiProblems.NotFound($"No incident {id}."));
        }

        return NotModified(http, incident, what) ? (null, TypedResults.StatusCode(StatusCodes.Status304NotModified)) : (incident, null);
    }

    /// <summary>
    /// Sets the caching headers and answers whether the client's copy is still current: by ETag when the request
    /// has If-None-Match; otherwise by If-Modified-Since, against Last-Modified in the whole seconds an HTTP date
    /// holds (RFC 9110 13.1.3, 13.2.2).
    /// </summary>
    private static bool NotModified(HttpContext http, Incident incident, string what)
    {
        var tag = new EntityTagHeaderValue($"\"{what}-{incident.Id:N}-{incident.Revision}\"");
        var lastModified = WholeSeconds(incident.UpdatedAt);
        var headers = http.Response.GetTypedHeaders();
        headers.CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromSeconds(60) };
        headers.ETag = tag;
        headers.LastModified = lastModified;
        var request = http.Request.GetTypedHeaders();
        if (request.IfNoneMatch.Count > 0)
        {
            return request.IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(tag, useStrongComparison: false));
        }

        return request.IfModifiedSince is { } since && lastModified <= since;
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>Atom (RFC 4287): the feed's and each entry's id, title and updated; text content only.</summary>
    public static string Feed(Incident incident, Network network, IReadOnlyList<TimelineEvent> newestFirst, string origin)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(newestFirst);
        var page = $"{origin}/status/{incident.Id}";
        var drill = incident.IsDrill ? "DRILL: " : "";
        var updated = newestFirst.Count > 0 && newestFirst[0].At > incident.UpdatedAt ? newestFirst[0].At : incident.UpdatedAt;
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Encoding = Encoding.UTF8 }))
        {
            const string Atom = "http://www.w3.org/2005/Atom";
            xml.WriteStartElement("feed", Atom);
            xml.WriteElementString("id", Atom, $"urn:uuid:{incident.Id}");
            xml.WriteElementString("title", Atom, $"{drill}{incident.Title} ({network.Name})");
            xml.WriteElementString("subtitle", Atom, $"{drill}Status: {Incident.Describe(incident.Status)}. Halted at block {incident.HaltHeight.ToString("N0", CultureInfo.InvariantCulture)}.");
            xml.WriteElementString("updated", Atom, Timestamp(updated));
            Link(xml, "self", $"{page}/feed.atom", "application/atom+xml");
            Link(xml, "alternate", page, "text/html");
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, "Validator coordination portal");
            xml.WriteEndElement();
            foreach (var entry in newestFirst)
            {
                var summary = PublicTimeline.Summary(entry);
                xml.WriteStartElement("entry", Atom);
                xml.WriteElementString("id", Atom, $"{page}#event-{entry.Id}");
                xml.WriteElementString("title", Atom, drill + Headline(summary));
                xml.WriteElementString("updated", Atom, Timestamp(entry.At));
                Link(xml, "alternate", $"{page}#event-{entry.Id}", "text/html");
                xml.WriteStartElement("content", Atom);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(summary);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        // StringBuilder output declares utf-16; the bytes go out as UTF-8, so say so.
        return output.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    private static void Link(XmlWriter xml, string rel, string href, string type)
    {
        xml.WriteStartElement("link", "http://www.w3.org/2005/Atom");
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first line, at most 120 characters, cut between whole characters.</summary>
    private static string Headline(string summary) => Text.Truncate(summary.Split('\n', 2)[0], 120);

    /// <summary>"quorum | 58 % of 66.7 %": ready share rounded down to a whole percent, the threshold to a tenth.</summary>
    public static string BadgeText(QuorumEvaluation quorum)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        var ready = quorum.TotalWeight.IsZero ? BigInteger.Zero : quorum.ReadyWeight * 100 / quorum.TotalWeight;
        // Tenths of a percent, rounded half up, in integers: 2/3 gives 667, read 66.7.
        var tenths = ((new BigInteger(quorum.Rule.Numerator) * 2000 / quorum.Rule.Denominator) + 1) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{ready} % of {tenths / 10}.{tenths % 10} %{(quorum.Reached ? " ✓" : "")}");
    }

    public static string Badge(bool drill, QuorumEvaluation quorum)
    {
        var label = drill ? "DRILL quorum" : "quorum";
        var value = BadgeText(quorum);
        // Verdana 11 px averages about 7 px a character; enough for the short texts a badge holds.
        var left = (label.Length * 7) + 12;
        var right = (value.Length * 7) + 12;
        var colour = quorum.Reached ? "#146c43" : "#0a58ca";
        var labelColour = drill ? "#212529" : "#555";
        var text = System.Security.SecurityElement.Escape($"{label}: {value}");
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" role="img" aria-label="{text}">
              <title>{text}</title>
              <rect width="{left}" height="20" fill="{labelColour}"/>
              <rect x="{left}" width="{right}" height="20" fill="{colour}"/>
              <g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">
                <text x="{left / 2}" y="14">{System.Security.SecurityElement.Escape(label)}</text>
                <text x="{left + (right / 2)}" y="14">{System.Security.SecurityElement.Escape(value)}</text>
              </g>
            </svg>
            """;
    }
}
