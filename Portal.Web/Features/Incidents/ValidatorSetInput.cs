using System.Text.Json;
using Portal.Domain;
using Portal.Web.Features.Forecast;

namespace Portal.Web.Features.Incidents;

/// <summary>
/// One row of a validator set as submitted (API body, pasted CSV or JSON): unvalidated text. <see cref="WakeFrom"/>
/// and <see cref="WakeUntil"/> ("08:00", "22:00") set the waking window; omitted, the validator keeps its window.
/// </summary>
public sealed record ValidatorSetRow(string? Key, string? Name, string? Stake, string? TimeZone, string? Contact, string? WakeFrom = null, string? WakeUntil = null);

/// <summary>A row that passed validation; <see cref="Window"/> is null when the row did not set one.</summary>
public sealed record ValidMember(ValidatorKey Key, string Name, Stake Stake, string? TimeZone, string? Contact, WakingWindow? Window = null);

/// <summary>What is wrong with one row; <see cref="Field"/> is camelCase as in the API.</summary>
public sealed record RowError(int Index, string? Key, string Field, string Message)
{
    public string ApiField => $"validators[{Index}].{Field}";

    public string ForHumans => $"Row {Index + 1}{(string.IsNullOrWhiteSpace(Key) ? "" : $" ({Key})")}: {Message}";
}

public static class ValidatorSetInput
{
    public const int MaxValidators = 10_000;

    /// <summary>Validates every row and names every problem; a set with any problem imports nothing.</summary>
    public static (IReadOnlyList<ValidMember> Members, IReadOnlyList<RowError> Errors) Validate(IReadOnlyList<ValidatorSetRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var errors = new List<RowError>();
        var members = new List<ValidMember>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        if (rows.Count == 0)
        {
            errors.Add(new RowError(0, null, "key", "The validator set is empty."));
        }

        if (rows.Count > MaxValidators)
        {
            errors.Add(new RowError(0, null, "key", $"At most {MaxValidators} validators per set."));
            return ([], errors);
        }

        for (var i = 0; i < rows.Count; i++)
        {
            // A null row (`"validators": [null]`) is a row with nothing in it: each required field is named.
            var row = rows[i] ?? new ValidatorSetRow(null, null, null, null, null);
            var ok = true;
            if (!ValidatorKey.TryCreate(row.Key, out var key, out var keyError))
            {
                errors.Add(new RowError(i, row.Key, "key", keyError));
                ok = false;
            }
            else if (seen.TryGetValue(key.Value, out var first))
            {
                errors.Add(new RowError(i, row.Key, "key", $"Duplicate key: already in row {first + 1}."));
                ok = false;
            }
            else
            {
                seen[key.Value] = i;
            }

            var name = row.Name?.Trim();
            if (Text.Problem(row.Name) is { } nameProblem)
            {
                errors.Add(new RowError(i, row.Key, "name", $"The name {nameProblem}."));
                ok = false;
            }
            else if (string.IsNullOrEmpty(name) || name.Length > Limits.ValidatorNameMax)
            {
                errors.Add(new RowError(i, row.Key, "name", $"A name of 1 to {Limits.ValidatorNameMax} characters is required."));
                ok = false;
            }

            // Digits only (API.md v1.1): " 5 " or "5\t" is refused, not trimmed.
            if (!Stake.TryParse(row.Stake, out var stake, out var stakeError))
            {
                errors.Add(new RowError(i, row.Key, "stake", stakeError));
                ok = false;
            }

            var zone = string.IsNullOrWhiteSpace(row.TimeZone) ? null : row.TimeZone.Trim();
            if (zone is not null && (zone.Length > Limits.TimeZoneMax || !IsIanaZone(zone)))
            {
                errors.Add(new RowError(i, row.Key, "timeZone", $"Unknown time zone '{zone}': use an IANA name such as Asia/Taipei or America/New_York."));
                ok = false;
            }

            var contact = string.IsNullOrWhiteSpace(row.Contact) ? null : row.Contact.Trim();
            if (Text.Problem(row.Contact) is { } contactProblem)
            {
                errors.Add(new RowError(i, row.Key, "contact", $"The contact {contactProblem}."));
                ok = false;
            }
            else if (contact?.Length > Limits.ContactMax)
            {
                errors.Add(new RowError(i, row.Key, "contact", $"The contact must be at most {Limits.ContactMax} characters."));
                ok = false;
            }

            var (window, windowErrors) = WakingWindowInput.Validate(row.WakeFrom, row.WakeUntil);
            foreach (var (field, message) in windowErrors)
            {
                errors.Add(new RowError(i, row.Key, field, message));
                ok = false;
            }

            if (ok)
            {
                members.Add(new ValidMember(key, name!, stake, zone, contact, window));
            }
        }

        return errors.Count == 0 ? (members, errors) : ([], errors);
    }

    /// <summary>IANA names only: Windows names (also accepted by .NET on Linux through ICU) are refused.</summary>
    public static bool IsIanaZone(string zone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var found) && found.HasIanaId && (zone.Contains('/', StringComparison.Ordinal) || zone == "UTC");

    /// <summary>
    /// Reads pasted text: a JSON array of objects (or an object with a <c>validators</c> array), or CSV with a
    /// header naming the columns key, name, stake and optionally timeZone and contact, in any order.
    /// </summary>
    public static (IReadOnlyList<ValidatorSetRow> Rows, string? Error) Parse(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return ([], "Paste the validator set as CSV or JSON.");
        }

        return trimmed[0] is '[' or '{' ? ParseJson(trimmed) : ParseCsv(trimmed);
    }

    private static (IReadOnlyList<ValidatorSetRow>, string?) ParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var array = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("validators", out var inner)
                ? inner
                : document.RootElement;
            if (array.ValueKind != JsonValueKind.Array)
            {
                return ([], "The JSON must be an array of validators, or an object with a \"validators\" array.");
            }

            var rows = new List<ValidatorSetRow>();
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return ([], $"Item {rows.Count + 1} of the JSON array is not an object.");
                }

                rows.Add(new ValidatorSetRow(Field(item, "key"), Field(item, "name"), Field(item, "stake"), Field(item, "timeZone"), Field(item, "contact"),
                    Field(item, "wakeFrom"), Field(item, "wakeUntil")));
            }

            return (rows, null);
        }
        catch (JsonException ex)
        {
            return ([], $"The JSON is not valid: {ex.Message}");
        }
    }

    /// <summary>Strings as they are; a JSON number for stake is kept as its literal digits so it still gets checked (and refused if it has a fraction or exponent).</summary>
    private static string? Field(JsonElement item, string name)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => property.Value.GetRawText(),
                };
            }
        }

        return null;
    }

    private static (IReadOnlyList<ValidatorSetRow>, string?) ParseCsv(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        var header = SplitCsvLine(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Column(string name) => header.IndexOf(name.ToLowerInvariant());
        var (keyAt, nameAt, stakeAt, zoneAt, contactAt) = (Column("key"), Column("name"), Column("stake"), Column("timeZone"), Column("contact"));
        var (wakeFromAt, wakeUntilAt) = (Column("wakeFrom"), Column("wakeUntil"));
        if (keyAt < 0 || nameAt < 0 || stakeAt < 0)
        {
            return ([], "The first CSV line must name the columns: key,name,stake (and optionally timeZone,contact,wakeFrom,wakeUntil).");
        }

        var rows = new List<ValidatorSetRow>();
        foreach (var line in lines.Skip(1))
        {
            var cells = SplitCsvLine(line);
            string? Cell(int at) => at >= 0 && at < cells.Count ? cells[at] : null;
            rows.Add(new ValidatorSetRow(Cell(keyAt), Cell(nameAt), Cell(stakeAt), Cell(zoneAt), Cell(contactAt), Cell(wakeFromAt), Cell(wakeUntilAt)));
        }

        return (rows, null);
    }

    /// <summary>Comma-separated cells; a cell in double quotes may contain commas and doubled quotes.</summary>
    private static List<string> SplitCsvLine(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}
