using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lineage.Storage;

namespace Lineage.Infra.Tests;

/// <summary>Assertions on the ARM JSON compiled from infra/main.bicep: secure by construction, wired to the app.</summary>
public sealed class MainTemplateTests(CompiledTemplateFixture compiled) : IClassFixture<CompiledTemplateFixture>
{
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string IdentityClientId = "[reference('identity').outputs.clientId.value]";

    [Fact]
    public void StorageAccountDisallowsSharedKeyAccess()
    {
        var accounts = compiled.Main.AllResourcesOfType("Microsoft.Storage/storageAccounts")
            .Where(r => r.Resource["existing"]?.GetValue<bool>() != true)
            .ToList();
        Assert.NotEmpty(accounts);
        Assert.All(accounts, a =>
        {
            var properties = a.Resource["properties"]!;
            Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>(), $"{a.Template.Path}: allowSharedKeyAccess must be false");
            Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>(), $"{a.Template.Path}: allowBlobPublicAccess must be false");
        });
    }

    [Theory]
    [InlineData(BlobDataContributor)]
    [InlineData(QueueDataContributor)]
    [InlineData(TableDataContributor)]
    public void ManagedIdentityGetsStorageDataRoleOnTheAccount(string roleDefinitionGuid)
    {
        var (rbac, template) = compiled.Main.Module("rbac");
        Assert.Equal("[reference('identity').outputs.principalId.value]", ArmTemplate.ModuleParameter(rbac, "identityPrincipalId")?.GetValue<string>());
        Assert.Equal("[reference('storage').outputs.name.value]", ArmTemplate.ModuleParameter(rbac, "storageAccountName")?.GetValue<string>());

        var assignment = Assert.Single(
            template.ResourcesOfType("Microsoft.Authorization/roleAssignments"),
            r => ((string?)r["properties"]?["roleDefinitionId"])?.Contains($"'{roleDefinitionGuid}'", StringComparison.Ordinal) == true);
        Assert.Equal("[parameters('identityPrincipalId')]", (string?)assignment["properties"]!["principalId"]);
        Assert.Equal("ServicePrincipal", (string?)assignment["properties"]!["principalType"]);
        Assert.Equal("[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]", (string?)assignment["scope"]);
        Assert.Null(assignment["condition"]);
    }

    [Theory]
    [InlineData("listKeys")]
    [InlineData("listAccountSas")]
    [InlineData("listServiceSas")]
    [InlineData("AccountKey")]
    [InlineData("DefaultEndpointsProtocol")]
    [InlineData("SharedAccessSignature")]
    [InlineData("UseDevelopmentStorage")]
    public void CompiledTemplateHasNoAccountKeyOrConnectionString(string forbidden)
    {
        Assert.DoesNotContain(forbidden, compiled.Json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HostStorageConnectsWithTheManagedIdentity()
    {
        var settings = IdentitySettings();
        Assert.Equal("'managedidentity'", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("parameters('identityClientId')", settings["AzureWebJobsStorage__clientId"]);
        Assert.Equal("parameters('storageAccountName')", settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("format('ClientId={0};Authorization=AAD', parameters('identityClientId'))", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.DoesNotContain("AzureWebJobsStorage", AllAppSettingNames());

        var (functionApp, _) = compiled.Main.Module("functionApp");
        Assert.Equal(IdentityClientId, ArmTemplate.ModuleParameter(functionApp, "identityClientId")?.GetValue<string>());
        Assert.Equal("[reference('storage').outputs.name.value]", ArmTemplate.ModuleParameter(functionApp, "storageAccountName")?.GetValue<string>());
    }

    [Fact]
    public void RunStorageUsesTheServiceUriAndTheIdentityClientId()
    {
        var settings = MainAppSettings();
        Assert.Equal(IdentityClientId, (string?)settings["Lineage__Storage__ManagedIdentityClientId"]);
        Assert.Equal("[reference('storage').outputs.blobEndpoint.value]", (string?)settings["Lineage__Storage__ServiceUri"]);
        Assert.DoesNotContain("Lineage__Storage__ConnectionString", AllAppSettingNames());
    }

    [Fact]
    public void EveryStorageSettingBindsToAStorageOptionsProperty()
    {
        // The Functions app binds section Lineage:Storage to StorageOptions; a misspelt setting would be ignored silently.
        var storageSettings = AllAppSettingNames().Where(n => n.StartsWith("Lineage__Storage__", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(storageSettings);
        Assert.All(storageSettings, name =>
            Assert.True(typeof(StorageOptions).GetProperty(name["Lineage__Storage__".Length..]) is not null, $"{name} names no StorageOptions property"));
    }

    [Fact]
    public void EverySettingTheAppReferencesIsSet()
    {
        // host.json (%LINEAGE_TASK_HUB%) and trigger attributes (%Lineage__Nightly__Schedule%) resolve app settings by name.
        var functionsFolder = Path.Combine(BicepCli.RepositoryRoot, "src", "Lineage.Functions");
        var sources = new[] { Path.Combine(BicepCli.RepositoryRoot, "host.json") }
            .Concat(Directory.EnumerateFiles(functionsFolder, "*.cs", SearchOption.TopDirectoryOnly));
        var referenced = sources.SelectMany(f => ArmExpressions.SettingReferences(File.ReadAllText(f))).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Lineage__Nightly__Schedule", referenced);
        var defined = AllAppSettingNames();
        Assert.All(referenced, name => Assert.Contains(name, defined));
    }

    [Fact]
    public void NightlyScheduleIsATemplateParameter()
    {
        Assert.Equal("[parameters('nightlySchedule')]", (string?)MainAppSettings()["Lineage__Nightly__Schedule"]);
        var schedule = compiled.Main.Root["parameters"]!["nightlySchedule"]!;
        Assert.Equal(6, ((string?)schedule["defaultValue"])!.Split(' ').Length);
        foreach (var parameter in new[] { "environmentName", "location", "appName" })
        {
            Assert.NotNull(compiled.Main.Root["parameters"]![parameter]);
        }
    }

    [Fact]
    public void FunctionAppRunsDotnetIsolated10OnFlexConsumption()
    {
        var (_, template) = compiled.Main.Module("functionApp");
        var plan = Assert.Single(template.ResourcesOfType("Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True(plan["properties"]!["reserved"]!.GetValue<bool>(), "Flex Consumption runs on Linux: reserved must be true");

        var site = Assert.Single(template.ResourcesOfType("Microsoft.Web/sites"));
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        var config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
        // Flex Consumption rejects these settings: the runtime is chosen in functionAppConfig.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", AllAppSettingNames());
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", AllAppSettingNames());
    }

    [Fact]
    public void StorageHasTheRunDataAndDeploymentContainers()
    {
        var (storage, _) = compiled.Main.Module("storage");
        var containers = ArmTemplate.ModuleParameter(storage, "containerNames")!.AsArray().Select(c => (string)c!).ToList();
        var variables = compiled.Main.Root["variables"]!;
        var dataContainer = Assert.Single(containers, c => c == "[variables('dataContainerName')]");
        Assert.Equal("lineage", (string?)variables["dataContainerName"]);
        Assert.Equal(dataContainer, (string?)MainAppSettings()["Lineage__Storage__ContainerName"]);

        var (functionApp, _) = compiled.Main.Module("functionApp");
        var deploymentContainer = ArmTemplate.ModuleParameter(functionApp, "deploymentContainerName")!.GetValue<string>();
        Assert.Contains(deploymentContainer, containers);
        Assert.NotEqual(dataContainer, deploymentContainer);
    }

    [Fact]
    public void AzureYamlDeploysTheFunctionsProjectAsAFunctionApp()
    {
        var yaml = File.ReadAllLines(Path.Combine(BicepCli.RepositoryRoot, "azure.yaml")).Select(l => l.Trim()).ToList();
        var project = Assert.Single(yaml, l => l.StartsWith("project:", StringComparison.Ordinal))["project:".Length..].Trim();
        Assert.True(File.Exists(Path.Combine(BicepCli.RepositoryRoot, project, "Lineage.Functions.csproj")), $"azure.yaml project '{project}' has no Lineage.Functions.csproj");
        Assert.Contains("host: function", yaml);
        Assert.Contains("language: dotnet", yaml);
        // azd finds the app through this tag on the site.
        var (_, template) = compiled.Main.Module("functionApp");
        var site = Assert.Single(template.ResourcesOfType("Microsoft.Web/sites"));
        var service = Assert.Single(yaml, l => Regex.IsMatch(l, "^[a-z][a-z0-9-]*:$") && yaml.IndexOf(l) > yaml.IndexOf("services:"));
        Assert.Contains($"'azd-service-name', '{service.TrimEnd(':')}'", (string?)site["tags"], StringComparison.Ordinal);
    }

    private IReadOnlyDictionary<string, string> IdentitySettings()
    {
        var (_, template) = compiled.Main.Module("functionApp");
        var config = Assert.Single(template.ResourcesOfType("Microsoft.Web/sites/config"));
        var expression = (string?)config["properties"] ?? throw new InvalidOperationException("appsettings properties are not an expression");
        Assert.StartsWith("[union(parameters('appSettings'), createObject(", expression, StringComparison.Ordinal);
        return ArmExpressions.CreateObject(expression);
    }

    private JsonObject MainAppSettings()
    {
        var (functionApp, _) = compiled.Main.Module("functionApp");
        return ArmTemplate.ModuleParameter(functionApp, "appSettings")!.AsObject();
    }

    private HashSet<string> AllAppSettingNames() =>
        [.. MainAppSettings().Select(p => p.Key), .. IdentitySettings().Keys];
}
