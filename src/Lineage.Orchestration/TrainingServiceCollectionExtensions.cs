using Lineage.Orchestration.Api;
using Lineage.Orchestration.Champions;
using Lineage.Orchestration.Datasets;
using Lineage.Orchestration.Experiments;
using Lineage.Orchestration.Runs;
using Lineage.Orchestration.Training;
using Lineage.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lineage.Orchestration;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>Storage (section <c>Lineage:Storage</c>), the run workspace and every activity of the task catalog, for any host.</summary>
    public static IServiceCollection AddLineageTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLineageStorage(configuration.GetSection("Lineage:Storage"));
        services.AddSingleton(provider => provider.GetRequiredService<RunStorage>().Container);
        services.AddOptions<RunLockOptions>()
            .Bind(configuration.GetSection(RunLockOptions.Section))
            .Validate(o => o.Duration >= TimeSpan.FromSeconds(1), "Lineage:RunLock:Duration must be at least one second.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Store), "Lineage:RunLock:Store must name the host's Durable instance store.")
            .ValidateOnStart();
        services.AddSingleton<RunLocks>();
        services.AddSingleton<RunWorkspace>();
        services.AddLineageModels(configuration);
        foreach (var activity in TaskCatalog.Activities)
        {
            services.AddSingleton(activity.Implementation);
        }

        return services;
    }

    /// <summary>Datasets, champions, decisions and experiment records (section <c>Lineage:Models</c>).</summary>
    public static IServiceCollection AddLineageModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<ModelOptions>>().Value);
        services.AddSingleton(provider => new DatasetRegistry(provider.GetRequiredService<RunStorage>().Container));
        services.AddSingleton(provider => new ChampionStore(provider.GetRequiredService<RunStorage>().Container, provider.GetRequiredService<ModelOptions>()));
        services.AddSingleton(provider => new TrialStore(provider.GetRequiredService<RunStorage>().Container));
        services.AddSingleton(provider => new ModelSplitStore(provider.GetRequiredService<RunStorage>().Container, provider.GetRequiredService<ModelOptions>()));
        services.AddSingleton<ChampionChallenger>();
        services.AddSingleton<ChampionDecisions>();
        services.AddSingleton<ExperimentStore>();
        services.AddSingleton<ModelsService>();
        return services;
    }
}
