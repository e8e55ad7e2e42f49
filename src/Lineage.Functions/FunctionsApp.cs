using Azure.Core.Serialization;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Lineage.Http;
using Lineage.Orchestration;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Lineage.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lineage.Functions;

/// <summary>The Functions app's composition, in one method that Program.cs runs and the tests build.</summary>
public static class FunctionsApp
{
    /// <summary>The configured builder; <paramref name="configure"/> lets a test add configuration before services read it.</summary>
    public static FunctionsApplicationBuilder CreateBuilder(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.ConfigureFunctionsWebApplication();
        ConfigureServices(builder.Services, builder.Configuration);
        return builder;
    }

    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        // The worker serializer carries every Durable payload (activity inputs and outputs, orchestration state) and the
        // MVC options every HTTP body: both must speak LineageJson (enums as names, NaN allowed), as the local host does.
        services.Configure<WorkerOptions>(options => options.Serializer = new JsonObjectSerializer(LineageJson.Options));
        services.AddLineageHttpJson();

        services.AddOptions<NightlyOptions>()
            .Bind(configuration.GetSection(NightlyOptions.Section))
            .Validate(o => RunId.Validate(o.RunId) is null, "Lineage:Nightly:RunId is not a valid run id.")
            .ValidateOnStart();
        services.AddLineageTraining(configuration);
        // Every instance of the app, and any local process on the same task hub, schedules into one instance store.
        if (string.IsNullOrEmpty(configuration[$"{RunLockOptions.Section}:{nameof(RunLockOptions.Store)}"]))
        {
            services.PostConfigure<RunLockOptions>(o => o.Store = RunLockOptions.AzureStorageStore(
                configuration["AzureWebJobsStorage:accountName"] ?? "local",
                configuration["LINEAGE_TASK_HUB"] ?? "default"));
        }

        AddTelemetry(services, configuration);
    }

    /// <summary>
    /// OpenTelemetry: the worker's logs, the "Lineage" meter and its spans. Exported to Azure Monitor when its connection
    /// string is configured (infra/ sets it, with the managed identity in APPLICATIONINSIGHTS_AUTHENTICATION_STRING
    /// because local auth is off); to the console only when Lineage:Telemetry:Console is true.
    /// </summary>
    private static void AddTelemetry(IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(LineageTelemetry.Name))
            .WithTracing(tracing => tracing.AddSource(LineageTelemetry.Name));
        if (configuration[ApplicationInsightsAuthentication.ConnectionStringSettingName] is { Length: > 0 } connectionString)
        {
            var authentication = ApplicationInsightsAuthentication.Parse(configuration[ApplicationInsightsAuthentication.SettingName]);
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (authentication.UseEntraId)
                {
                    options.Credential = authentication.ManagedIdentityClientId is { } clientId
                        ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                        : new DefaultAzureCredential();
                }
            });
        }

        if (configuration.GetValue<bool>("Lineage:Telemetry:Console"))
        {
            telemetry
                .WithMetrics(metrics => metrics.AddConsoleExporter())
                .WithTracing(tracing => tracing.AddConsoleExporter());
        }
    }
}
