using Lineage.Orchestration.Runs;

namespace Lineage.Orchestration.Api;

/// <summary>What became of a request, in the API's own terms; each host's edge maps it to an HTTP status.</summary>
public enum ApiOutcome
{
    Ok,
    Created,
    Accepted,
    Invalid,
    NotFound,
    Conflict,
    TooLarge,
}

/// <summary>
/// An answer of the API's services, independent of the host: an outcome, a body, and for accepted long-running work
/// where to poll (<see cref="Location"/>) and how soon (<see cref="RetryAfter"/>), as Durable's own HTTP API does.
/// </summary>
public sealed record ApiResponse(ApiOutcome Outcome, object? Body)
{
    /// <summary>How soon a client should poll an accepted run's status.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    public string? Location { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public bool IsSuccess => Outcome is ApiOutcome.Ok or ApiOutcome.Created or ApiOutcome.Accepted;

    public static ApiResponse Ok(object? body) => new(ApiOutcome.Ok, body);

    public static ApiResponse Accepted(object body, string statusLocation) =>
        new(ApiOutcome.Accepted, body) { Location = statusLocation, RetryAfter = PollInterval };

    public static ApiResponse Error(ApiOutcome outcome, string error, IReadOnlyList<FieldError>? fields = null) =>
        new(outcome, new ErrorBody(error, fields ?? []));

    public static ApiResponse Invalid(string error, IReadOnlyList<FieldError>? fields = null) => Error(ApiOutcome.Invalid, error, fields);

    public static ApiResponse Invalid(string error, string field, string message) => Error(ApiOutcome.Invalid, error, [new FieldError(field, message)]);

    public static ApiResponse NotFound(string error) => Error(ApiOutcome.NotFound, error);

    public static ApiResponse Conflict(string error) => Error(ApiOutcome.Conflict, error);

    public static ApiResponse TooLarge(long limit) => Error(ApiOutcome.TooLarge, $"Request body is larger than {limit} bytes.");
}

public sealed record ErrorBody(string Error, IReadOnlyList<FieldError> Fields);
