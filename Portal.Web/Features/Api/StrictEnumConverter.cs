using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Web.Features.Api;

/// <summary>
/// Enums on the wire are exactly one of their camelCase names (API.md v1.1). The framework's string-enum
/// converter also reads "Ready" (any case), "ready " (trimmed) and "acknowledged, downloading" (combined as
/// flags, which made <c>upgraded</c>); this one reads the exact name or fails, naming the allowed values.
/// </summary>
public sealed class StrictEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    /// <summary>The wire names of <paramref name="enumType"/>, in declaration order.</summary>
    public static IReadOnlyList<string> NamesOf(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        return [.. enumType.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => JsonNamingPolicy.CamelCase.ConvertName(f.Name))];
    }

    /// <summary>Parses one wire name exactly, as the converter does; for form values and query strings.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        var names = Converter<TEnum>.ByName;
        if (text is not null && names.TryGetValue(text, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>A custom converter hides enums from the OpenAPI generator: list their names again.</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        var type = context.JsonPropertyInfo?.PropertyType ?? context.JsonTypeInfo.Type;
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        if (enumType.IsEnum)
        {
            schema.Type = enumType == type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Enum = [.. NamesOf(enumType).Select(n => (JsonNode)JsonValue.Create(n))];
        }

        return Task.CompletedTask;
    }

    private sealed class Converter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<string, TEnum> ByName =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()), StringComparer.Ordinal);

        private static readonly FrozenDictionary<TEnum, string> Names = ByName.ToFrozenDictionary(p => p.Value, p => p.Key);

        private static readonly string Allowed = string.Join(", ", NamesOf(typeof(TEnum)));

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && ByName.TryGetValue(text, out var value))
            {
                return value;
            }

            throw new JsonException($"Use exactly one of: {Allowed}.");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(Names.TryGetValue(value, out var name) ? name : throw new JsonException($"{typeof(TEnum).Name} {value} has no wire name."));
        }
    }
}
