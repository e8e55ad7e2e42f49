// Lineage on Azure: a Flex Consumption Function App (dotnet-isolated, .NET 10) running the Durable training
// orchestration on the Azure Storage backend. Everything reaches storage and Application Insights through one
// user-assigned managed identity; the storage account refuses shared keys, so no app setting holds a key.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region for every resource (must offer Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@maxLength(32)
@description('Function App name; empty derives a unique one.')
param appName string = ''

@description('Six-field CRON (seconds first, UTC) of the nightly retraining timer: Lineage__Nightly__Schedule.')
param nightlySchedule string = '0 0 2 * * *'

@description('Six-field CRON (seconds first, UTC) of the run retention timer: Lineage__Models__RetentionSchedule.')
param retentionSchedule string = '0 30 3 * * *'

@description('Fixed run id the nightly timer resumes (Lineage__Nightly__RunId).')
param nightlyRunId string = 'nightly'

@description('Dataset the nightly run trains on (Lineage__Nightly__Dataset). Point it at a dataset you refresh (dataset:<name>, pushed with lineage data push): the bundled series end years ago, so the freshness check refuses them.')
param nightlyDataset string = 'spy'

@description('Freshness: the nightly run refuses data whose newest bar is older than this many days (Lineage__Nightly__MaxDataAgeDays).')
param nightlyMaxDataAgeDays string = '4'

@description('Members of the population the nightly timer trains instead of one run (Lineage__Nightly__PopulationMembers); 0 keeps the one run.')
param nightlyPopulationMembers string = '0'

@description('Durable task hub name (alphanumeric).')
param taskHubName string = 'lineage'

@allowed([2048, 4096])
@description('Memory per Flex Consumption instance; TorchSharp natives and training need at least 2 GB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound on Flex Consumption scale-out.')
param maximumInstanceCount int = 40

@description('Optional user or group object id given read access to run data (reports, checkpoints). Empty: none.')
param readerPrincipalId string = ''

@description('Optional e-mail address the operations alerts notify. Empty: the alerts fire into an action group with no receiver.')
param alertEmail string = ''

@minValue(1)
@description('Nights the nightly model may go without a promotion decision before the operations alert fires.')
param nightsWithoutDecision int = 3

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = empty(appName) ? 'func-lineage-${resourceToken}' : appName
var dataContainerName = 'lineage'
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  params: {
    name: 'id-lineage-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    name: 'stlineage${resourceToken}'
    location: location
    tags: tags
    containerNames: [dataContainerName, deploymentContainerName]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: 'log-lineage-${resourceToken}'
    applicationInsightsName: 'appi-lineage-${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'modules/alerts.bicep' = {
  scope: rg
  params: {
    namePrefix: 'alert-lineage-${resourceToken}'
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    alertEmail: alertEmail
    nightsWithoutDecision: nightsWithoutDecision
  }
}

module rbac 'modules/rbac.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: identity.outputs.principalId
    readerPrincipalId: readerPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-lineage-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: {
      LINEAGE_TASK_HUB: taskHubName
      Lineage__Storage__ServiceUri: storage.outputs.blobEndpoint
      Lineage__Storage__ManagedIdentityClientId: identity.outputs.clientId
      Lineage__Storage__ContainerName: dataContainerName
      Lineage__Nightly__Schedule: nightlySchedule
      Lineage__Models__RetentionSchedule: retentionSchedule
      Lineage__Nightly__RunId: nightlyRunId
      Lineage__Nightly__Dataset: nightlyDataset
      Lineage__Nightly__MaxDataAgeDays: nightlyMaxDataAgeDays
      Lineage__Nightly__PopulationMembers: nightlyPopulationMembers
    }
  }
  // The host needs its storage roles before its first start, or it fails to take its leases.
  dependsOn: [rbac]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
