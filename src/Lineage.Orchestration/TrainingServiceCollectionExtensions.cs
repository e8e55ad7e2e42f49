using Lineage.Orchestration.Activities;
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
        services.AddSingleton<PrepareRunActivity>();
        services.AddSingleton<RunEpisodeActivity>();
        services.AddSingleton<AppendExperiencesActivity>();
        services.AddSingleton<TrainStepActivity>();
        services.AddSingleton<EvaluateActivity>();
        return services;
    }
}
