using System.Text;
using System.Text.Json;
using Lineage.Orchestration.Runs;
using Lineage.Storage;

namespace Lineage.Orchestration.Api;

/// <summary>Reads a request body up to the service's limit; a larger body is the service's 413, whichever host sent it.</summary>
public static class LimitedBody
{
    public static async Task<(byte[]? Content, ApiResponse? TooLarge)> ReadBytesAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return (null, ApiResponse.TooLarge(limit));
            }
        }

        return (buffer.ToArray(), null);
    }

    public static async Task<(string? Text, ApiResponse? TooLarge)> ReadTextAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var (content, tooLarge) = await ReadBytesAsync(body, limit, cancellationToken);
        return (content is null ? null : Encoding.UTF8.GetString(content), tooLarge);
    }

    /// <summary>
    /// A JSON request body as <typeparamref name="T"/> (strict: unknown fields refused), or the 413 or 400 to answer: the 400
    /// names the field the parser stopped at, and <paramref name="noun"/> ("training run") what the body should describe.
    /// </summary>
    public static async Task<(T? Value, ApiResponse? Refusal)> ReadJsonAsync<T>(Stream body, long limit, string noun, CancellationToken cancellationToken)
        where T : class
    {
        var (text, tooLarge) = await ReadTextAsync(body, limit, cancellationToken);
        if (text is null)
        {
            return (null, tooLarge);
        }

        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(text, LineageJson.Strict);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, ApiResponse.Invalid($"The request body is not a valid {noun}.", [new FieldError(field, RunService.Describe(ex, $"a {noun}"))]));
        }

        return value is null
            ? (null, ApiResponse.Invalid($"The request body must be a JSON object describing a {noun}.", [new FieldError("body", "was null")]))
            : (value, null);
    }
}
