using System.Text.Json;
using Azure.Core.Serialization;
using Lineage.IntegrationTests.Orchestration;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lineage.IntegrationTests.Functions;

/// <summary>The Functions app's own composition (the code Program.cs runs) speaks LineageJson on every serializer it owns.</summary>
public sealed class FunctionsAppTests
{
    private static readonly TrainingOutputProbe Probe = new(EpsilonKind.PerActor, double.NaN);

    [Fact]
    public void The_worker_serializer_for_durable_payloads_writes_enum_names_and_non_finite_numbers()
    {
        using var app = FunctionsHost.BuildApp("UseDevelopmentStorage=true", "lineage");
        var serializer = Assert.IsType<JsonObjectSerializer>(app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer);

        var written = serializer.Serialize(Probe, typeof(TrainingOutputProbe), default).ToString();

        Assert.Equal(JsonSerializer.Serialize(Probe, LineageJson.Options), written);
        Assert.Contains("\"perActor\"", written, StringComparison.Ordinal);
        Assert.Contains("\"NaN\"", written, StringComparison.Ordinal);
        // What the orchestration sends, the activities read back: a refused step's NaN survives the round trip.
        var refused = new TrainStepOutput(16, 3, double.NaN, double.NaN, double.NaN, "non-finite loss", []);
        var back = (TrainStepOutput)serializer.Deserialize(new MemoryStream(serializer.Serialize(refused).ToArray()), typeof(TrainStepOutput), default)!;
        Assert.True(double.IsNaN(back.MeanLoss));
        Assert.Equal("non-finite loss", back.RefusedReason);
    }

    [Fact]
    public void The_mvc_json_options_for_http_bodies_match_lineage_json()
    {
        using var app = FunctionsHost.BuildApp("UseDevelopmentStorage=true", "lineage");
        var mvc = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>().Value.JsonSerializerOptions;

        Assert.Equal(JsonSerializer.Serialize(Probe, LineageJson.Options), JsonSerializer.Serialize(Probe, mvc));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TrainingOutputProbe>("""{"kind":1,"value":0}""", mvc));
    }

    [Fact]
    public void A_whole_training_run_round_trips_through_the_worker_serializer()
    {
        using var app = FunctionsHost.BuildApp("UseDevelopmentStorage=true", "lineage");
        var serializer = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer!;
        var state = new TrainingState { Run = TestRuns.Small("round-trip") with { Epsilon = new EpsilonSchedule { Kind = EpsilonKind.PerActor } } };

        var json = serializer.Serialize(state).ToString();
        var back = (TrainingState)serializer.Deserialize(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), typeof(TrainingState), default)!;

        Assert.Equal(JsonSerializer.Serialize(state, LineageJson.Options), json);
        Assert.Equal(json, JsonSerializer.Serialize(back, LineageJson.Options));
        Assert.Contains("\"kind\":\"perActor\"", json, StringComparison.Ordinal);
    }

    private sealed record TrainingOutputProbe(EpsilonKind Kind, double Value);
}
