using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Lineage.IntegrationTests.Reliability.Harness;

/// <summary>What goes wrong with one storage request.</summary>
public enum StorageFault
{
    /// <summary>503 Server Busy; the request never reached the account.</summary>
    Unavailable,

    /// <summary>429 Too Many Requests (throttling); not applied.</summary>
    Throttled,

    /// <summary>The request times out on the client before it is sent (the SDK's network timeout); not applied.</summary>
    Timeout,

    /// <summary>The account applied the write, but the connection dropped before its response arrived: the SDK retries a write that already happened.</summary>
    AppliedResponseLost,
}

/// <summary>The storage writes the harness hits: the conditional writes every recovery argument leans on.</summary>
public enum FaultTarget
{
    ManifestCommit,
    CheckpointPointer,
    ChampionPointer,
    HistoryAppend,
}

/// <summary>
/// An Azure SDK pipeline policy (inside the SDK's retries, as <see cref="Lineage.Hosting.LocalRuntimeOptions.StoragePolicies"/>
/// installs it) that injects one <see cref="StorageFault"/> into the <c>occurrence</c>-th request to a <see cref="FaultTarget"/>.
/// </summary>
public sealed class StorageFaultPolicy(FaultTarget target, StorageFault fault, int occurrence = 1) : HttpPipelinePolicy
{
    private int _seen;
    private int _injected;

    public int Injected => _injected;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("Lineage's stores are asynchronous.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Matches(message.Request) || Interlocked.Increment(ref _seen) != occurrence)
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }

        Interlocked.Increment(ref _injected);
        switch (fault)
        {
            case StorageFault.Unavailable:
                message.Response = new FaultResponse(503, "Server Busy", message.Request.ClientRequestId);
                return;
            case StorageFault.Throttled:
                message.Response = new FaultResponse(429, "Too Many Requests", message.Request.ClientRequestId);
                return;
            case StorageFault.Timeout:
                await Task.Delay(50, message.CancellationToken);
                throw new TaskCanceledException(
                    "Injected: the operation was cancelled because it exceeded the configured network timeout.", new TimeoutException());
            case StorageFault.AppliedResponseLost:
                await ProcessNextAsync(message, pipeline);
                message.Response.Dispose();
                throw new IOException("Injected: the connection was reset after the write was applied, before its response arrived.");
            default:
                throw new InvalidOperationException($"Unknown fault {fault}.");
        }
    }

    private bool Matches(Request request)
    {
        var path = request.Uri.Path;
        var query = request.Uri.Query;
        var isPut = request.Method == RequestMethod.Put;
        return target switch
        {
            FaultTarget.ManifestCommit => isPut && path.EndsWith("/replay/manifest.json", StringComparison.Ordinal),
            FaultTarget.CheckpointPointer => isPut && path.EndsWith("/checkpoints/latest", StringComparison.Ordinal),
            FaultTarget.ChampionPointer => isPut && path.EndsWith("/champion.json", StringComparison.Ordinal),
            FaultTarget.HistoryAppend => isPut && path.EndsWith("/history.jsonl", StringComparison.Ordinal)
                && query.Contains("comp=appendblock", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    /// <summary>A response the account never sent.</summary>
    private sealed class FaultResponse(int status, string reason, string clientRequestId) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => reason;

        public override Stream? ContentStream { get; set; } = new MemoryStream();

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
