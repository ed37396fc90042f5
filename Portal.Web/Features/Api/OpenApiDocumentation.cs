using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Web.Features.Api;

/// <summary>
/// Completes the generated OpenAPI document for script writers (and for <c>redocly lint</c>'s recommended
/// rules): a summary on every operation, the bearer scheme declared and applied to every operation that needs
/// a sign-in, and every error answer the portal can give, each as <c>application/problem+json</c>. The errors
/// come from one place (<see cref="ApiErrors"/>, the authorization and rate-limiting middleware), so they are
/// documented from one place too rather than on each endpoint.
/// </summary>
public static class OpenApiDocumentation
{
    public const string BearerScheme = "bearer";
    private const string ProblemJson = "application/problem+json";
    private const string Problem = "ProblemDetails";
    private const string ValidationProblem = "HttpValidationProblemDetails";

    /// <summary>Summaries of the operations that do not set one themselves, by endpoint name.</summary>
    private static readonly Dictionary<string, string> Summaries = new(StringComparer.Ordinal)
    {
        ["CreateUser"] = "Create a user and their invitation link",
        ["UpdateUser"] = "Change a user's roles, validator bindings or disabled flag",
        ["ReinviteUser"] = "Issue a new invitation link",
        ["Me"] = "The signed-in caller: user name, roles and bound validators",
        ["CreateNetwork"] = "Add a network with its quorum rule",
        ["GetNetwork"] = "Read a network: its quorum rule and display unit",
        ["UpdateNetwork"] = "Change a network's quorum rule and display unit",
        ["DeclareIncident"] = "Declare an incident (a halt) on a network",
        ["GetIncident"] = "Read an incident",
        ["PutValidatorSet"] = "Import or replace the validator set, frozen at a height",
        ["MoveIncident"] = "Move an incident to its next status",
        ["ReportValidatorStatus"] = "Report a validator's state",
        ["GetQuorum"] = "Stake-weighted progress toward quorum",
        ["GetTimeline"] = "The incident's timeline, oldest first",
        ["DraftRelease"] = "Draft a hotfix release",
        ["GetRelease"] = "Read a release",
        ["EditRelease"] = "Edit a draft release",
        ["PublishRelease"] = "Publish a release",
        ["WithdrawRelease"] = "Withdraw a published release",
        ["DeclareSnapshot"] = "Declare a snapshot before uploading it",
        ["GetSnapshot"] = "Read a snapshot and its verification",
        ["GetUploadPlan"] = "The parts of a snapshot's upload and which are stored",
        ["GetPartUrls"] = "Signed upload links for snapshot parts",
        ["CompleteUpload"] = "Finish a snapshot's upload and start verification",
        ["ApproveSnapshot"] = "Approve a verified snapshot (not one's own)",
        ["PublishSnapshot"] = "Publish an approved snapshot",
        ["RevokeSnapshot"] = "Revoke a snapshot",
    };

    public static OpenApiOptions AddPortalDocumentation(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context);
            return Task.CompletedTask;
        });
        return options;
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "Validator coordination portal API";
        document.Info.Description =
            "Report validators' states from scripts, read stake-weighted quorum progress, publish hotfixes and snapshots. " +
            "Authenticate with `Authorization: Bearer <token>` (create a token on the API tokens page). " +
            "Stake is always a decimal string of a non-negative integer, never a JSON number. " +
            "Errors are RFC 9457 problem+json; invalid input names each bad field in `errors`.";

        // The generated server is the request's origin with a trailing slash, which doubles the slash in every path.
        foreach (var server in document.Servers ?? Enumerable.Empty<OpenApiServer>())
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= tag.Name == "v1" ? "Version 1 of the portal's HTTP API (docs: /api)." : null;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API token from the API tokens page (shown once, stored only as a hash). The live hub also accepts it as the access_token query parameter.",
        };

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[Problem] = ProblemSchema(withErrors: false);
        if (!document.Components.Schemas.ContainsKey(ValidationProblem))
        {
            document.Components.Schemas[ValidationProblem] = ProblemSchema(withErrors: true);
        }
    }

    private static OpenApiSchema ProblemSchema(bool withErrors)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem document.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            },
        };
        if (withErrors)
        {
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Each bad field, with what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }

        return schema;
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (string.IsNullOrWhiteSpace(operation.Summary))
        {
            operation.Summary = operation.OperationId is { } id && Summaries.TryGetValue(id, out var summary)
                ? summary
                : Humanize(operation.OperationId ?? description.RelativePath ?? "operation");
        }

        var signedIn = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        operation.Security = signedIn
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }]
            : [];

        var method = description.HttpMethod ?? "GET";
        var writes = method is "POST" or "PUT" or "PATCH" or "DELETE";
        var hasInput = writes || operation.Parameters?.Any(p => p.In is ParameterLocation.Header or ParameterLocation.Query) == true;
        var hasId = operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true;

        operation.Responses ??= [];
        if (hasInput)
        {
            Add(operation, context, "400", "Invalid input: malformed JSON, wrong types, unknown enum names, oversized bodies, or fields that break a rule (named in errors).", ValidationProblem);
        }

        if (signedIn)
        {
            Add(operation, context, "401", "No valid credentials: a missing, unknown or revoked API token.", Problem);
            Add(operation, context, "403", "Signed in, but not allowed to do this on this object.", Problem);
        }

        if (hasId)
        {
            Add(operation, context, "404", "No such object.", Problem);
        }

        if (writes)
        {
            Add(operation, context, "409", "The change conflicts with the current state: an illegal transition, a duplicate, or a stale version.", Problem);
        }

        Add(operation, context, "429", "Rate limited; retry after the Retry-After header's seconds.", Problem);
        Add(operation, context, "503", "The database is unreachable; retry after the Retry-After header's seconds.", Problem);

        // Whatever an endpoint declared itself, every error answer is problem+json.
        foreach (var (status, response) in operation.Responses)
        {
            if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse concrete)
            {
                var schema = concrete.Content?.Values.FirstOrDefault()?.Schema
                    ?? new OpenApiSchemaReference(status == "400" ? ValidationProblem : Problem, context.Document);
                concrete.Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = schema } };
            }
        }
    }

    private static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string description, string schema)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = new OpenApiSchemaReference(schema, context.Document) } },
        };
    }

    /// <summary>"DeclareIncident" → "Declare incident", for an endpoint added without a summary.</summary>
    private static string Humanize(string name)
    {
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(words.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
