using System.Text;

namespace Lineage.Orchestration.Runs;

/// <summary>Reads a request body up to a limit, for every HTTP host: null when the body is larger.</summary>
public static class LimitedBody
{
    public static async Task<byte[]?> ReadBytesAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    public static async Task<string?> ReadTextAsync(Stream body, long limit, CancellationToken cancellationToken) =>
        await ReadBytesAsync(body, limit, cancellationToken) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}
