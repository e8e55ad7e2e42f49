using System.Text;

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
}
