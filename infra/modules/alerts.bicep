// Operations alerts: log search rules over Application Insights on the lines the app logs for them. Each query selects
// one event by customDimensions.EventName, the LoggerMessage event name the Azure Monitor exporter attaches to every
// log; the names are the constants of src/Lineage.Orchestration/Telemetry/OperationsEvents.cs (the infra tests check
// both agree). One action group receives every alert.
param namePrefix string
param applicationInsightsName string
param location string
param tags object

@description('E-mail address the alerts notify; empty: the action group has no receiver yet.')
param alertEmail string = ''

@minValue(1)
@description('Nights the nightly model may go without a champion/challenger decision before an alert fires.')
param nightsWithoutDecision int = 3

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-operations'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'lineage-ops'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operations-email'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

// A training orchestration ended with an exception (OrchestrationLog.RunFailed): one alert per failed run.
resource trainingRunFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-training-run-failed'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Lineage: a training run failed'
    description: 'A training orchestration ended with an exception (event TrainingRunFailed). Its status (GET /api/runs/{runId}) says why; resume it with "resume": true after fixing the cause.'
    severity: 1
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: 'traces | where tostring(customDimensions.EventName) == "TrainingRunFailed" | project timestamp, RunId = tostring(customDimensions.RunId), Iteration = toint(customDimensions.Iteration), message'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'RunId'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}

// The nightly timer fired but did not start the run: the run API refused (409 still running, 400 bad dataset;
// a Warning trace) or the start threw (an Error log with its exception, which the exporter files under exceptions).
resource nightlyNotStarted 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-nightly-not-started'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Lineage: the nightly retraining did not start'
    description: 'The nightly timer did not start its run: refused (event NightlyStartRefused: the previous night still running gives 409) or failed (event NightlyStartFailed, with the exception).'
    severity: 1
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: 'union traces, exceptions | where tostring(customDimensions.EventName) in ("NightlyStartRefused", "NightlyStartFailed") | project timestamp, Event = tostring(customDimensions.EventName), RunId = tostring(customDimensions.RunId), Status = tostring(customDimensions.Status), Reason = coalesce(tostring(customDimensions.Reason), tostring(customDimensions.Error))'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}

// Every nightly firing reports the nightly model's nights without a decision, counted in storage: a log query sees
// two days at most, so the count cannot come from the PromotionDecided lines themselves.
resource noPromotionDecision 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-no-promotion-decision'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Lineage: no promotion decision for ${nightsWithoutDecision} nights'
    description: 'The nightly model has gone ${nightsWithoutDecision} or more nights without a champion/challenger decision (event NightlyPromotionStatus): the nightly runs fail, are refused, or select no candidate.'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: 'traces | where tostring(customDimensions.EventName) == "NightlyPromotionStatus" | extend Nights = toint(customDimensions.NightsWithoutDecision) | where Nights >= ${nightsWithoutDecision} | project timestamp, Model = tostring(customDimensions.Model), Nights, LastDecisionAt = tostring(customDimensions.LastDecisionAt)'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'Model'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}

output actionGroupName string = actionGroup.name
