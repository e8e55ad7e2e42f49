using Lineage.Orchestration.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lineage.Orchestration;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>Storage (section <c>Lineage:Storage</c>), the run workspace and every activity, for any host.</summary>
    public static IServiceCollection AddLineageTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLineageStorage(configuration.GetSection("Lineage:Storage"));
        services.AddSingleton(provider => provider.GetRequiredService<Lineage.Storage.RunStorage>().Container);
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
        services.AddOptions<Models.ModelOptions>().Bind(configuration.GetSection(Models.ModelOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Models.ModelOptions>, Models.ModelOptionsValidator>();
        services.AddSingleton(provider => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Models.ModelOptions>>().Value);
        services.AddSingleton(provider => new Models.DatasetRegistry(provider.GetRequiredService<Lineage.Storage.RunStorage>().Container));
        services.AddSingleton(provider => new Models.ChampionStore(
            provider.GetRequiredService<Lineage.Storage.RunStorage>().Container, provider.GetRequiredService<Models.ModelOptions>()));
        services.AddSingleton<Models.ChampionChallenger>();
        services.AddSingleton<Models.ChampionDecisions>();
        services.AddSingleton<Models.ExperimentStore>();
        services.AddSingleton<Models.ModelsService>();
        return services;
    }
}
