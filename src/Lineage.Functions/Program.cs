using Lineage.Orchestration;
using Lineage.Orchestration.Runs;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddOptions<NightlyOptions>()
    .Bind(builder.Configuration.GetSection(NightlyOptions.Section))
    .Validate(o => Lineage.Storage.RunId.Validate(o.RunId) is null, "Lineage:Nightly:RunId is not a valid run id.")
    .ValidateOnStart();
builder.Services.AddLineageTraining(builder.Configuration);

await builder.Build().RunAsync();
