using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Lineage.Orchestration;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddOptions<NightlyOptions>()
    .Bind(builder.Configuration.GetSection(NightlyOptions.Section))
    .Validate(o => Lineage.Storage.RunId.Validate(o.RunId) is null, "Lineage:Nightly:RunId is not a valid run id.")
    .ValidateOnStart();
builder.Services.AddLineageTraining(builder.Configuration);

// OpenTelemetry: the worker's logs, the "Lineage" meter and its spans. Exported to Azure Monitor when its connection
// string is configured (infra/ sets it, with the managed identity in APPLICATIONINSIGHTS_AUTHENTICATION_STRING
// because local auth is off); to the console only when Lineage:Telemetry:Console is true.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithMetrics(metrics => metrics.AddMeter(LineageTelemetry.Name))
    .WithTracing(tracing => tracing.AddSource(LineageTelemetry.Name));
if (builder.Configuration[ApplicationInsightsAuthentication.ConnectionStringSettingName] is { Length: > 0 } connectionString)
{
    var authentication = ApplicationInsightsAuthentication.Parse(builder.Configuration[ApplicationInsightsAuthentication.SettingName]);
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

if (builder.Configuration.GetValue<bool>("Lineage:Telemetry:Console"))
{
    telemetry
        .WithMetrics(metrics => metrics.AddConsoleExporter())
        .WithTracing(tracing => tracing.AddConsoleExporter());
}

await builder.Build().RunAsync();
