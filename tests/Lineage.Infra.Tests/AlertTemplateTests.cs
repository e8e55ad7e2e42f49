using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lineage.Orchestration.Telemetry;

namespace Lineage.Infra.Tests;

/// <summary>
/// The operations alerts (infra/modules/alerts.bicep) as compiled: each rule watches Application Insights for an event
/// the code logs — the names come from <see cref="OperationsEvents"/>, compiled into this project from the code — and
/// notifies the one action group.
/// </summary>
public sealed partial class AlertTemplateTests(CompiledTemplateFixture compiled) : IClassFixture<CompiledTemplateFixture>
{
    private const string ScheduledQueryRule = "Microsoft.Insights/scheduledQueryRules";
    private const string ApplicationInsightsScope = "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]";
    private const string ActionGroupId = "[resourceId('Microsoft.Insights/actionGroups', format('{0}-operations', parameters('namePrefix')))]";

    public static TheoryData<string, string[], int, string, string> Rules() => new()
    {
        { "training-run-failed", [OperationsEvents.TrainingRunFailed], 1, "PT15M", "PT15M" },
        { "nightly-not-started", [OperationsEvents.NightlyStartRefused, OperationsEvents.NightlyStartFailed], 1, "PT15M", "PT15M" },
        { "no-promotion-decision", [OperationsEvents.NightlyPromotionStatus], 2, "PT1H", "PT1H" },
    };

    [Fact]
    public void MainDeploysTheAlertsOnTheApplicationInsightsResource()
    {
        var (deployment, _) = compiled.Main.Module("alerts");
        Assert.Equal("[reference('monitoring').outputs.applicationInsightsName.value]", ArmTemplate.ModuleParameter(deployment, "applicationInsightsName")?.GetValue<string>());
        Assert.Equal("[parameters('alertEmail')]", ArmTemplate.ModuleParameter(deployment, "alertEmail")?.GetValue<string>());
        Assert.Equal("[parameters('nightsWithoutDecision')]", ArmTemplate.ModuleParameter(deployment, "nightsWithoutDecision")?.GetValue<string>());

        var parameters = compiled.Main.Root["parameters"]!;
        Assert.Equal("", (string?)parameters["alertEmail"]!["defaultValue"]);
        Assert.Equal(3, parameters["nightsWithoutDecision"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal(1, parameters["nightsWithoutDecision"]!["minValue"]!.GetValue<int>());
    }

    [Fact]
    public void TheActionGroupMailsTheOptionalAddressOnly()
    {
        var (_, template) = compiled.Main.Module("alerts");
        var group = Assert.Single(template.ResourcesOfType("Microsoft.Insights/actionGroups"));
        Assert.Equal("global", (string?)group["location"]);
        Assert.True(group["properties"]!["enabled"]!.GetValue<bool>());
        Assert.True(((string?)group["properties"]!["groupShortName"])!.Length <= 12, "groupShortName is at most 12 characters");
        Assert.Equal(
            "[if(empty(parameters('alertEmail')), createArray(), createArray(createObject('name', 'operations-email', 'emailAddress', parameters('alertEmail'), 'useCommonAlertSchema', true())))]",
            (string?)group["properties"]!["emailReceivers"]);
        Assert.Equal("[format('{0}-operations', parameters('namePrefix'))]", (string?)group["name"]);
    }

    [Fact]
    public void EveryRuleIsOneOfTheThree()
    {
        var (_, template) = compiled.Main.Module("alerts");
        Assert.Equal(
            Rules().Select(r => $"[format('{{0}}-{r[0]}', parameters('namePrefix'))]").Order(StringComparer.Ordinal),
            template.ResourcesOfType(ScheduledQueryRule).Select(r => (string)r["name"]!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void RuleQueriesApplicationInsightsForTheEventsTheCodeLogs(string rule, string[] events, int severity, string frequency, string window)
    {
        var properties = Rule(rule)["properties"]!;
        Assert.Equal("LogAlert", (string?)Rule(rule)["kind"]);
        Assert.True(properties["enabled"]!.GetValue<bool>());
        Assert.Equal([ApplicationInsightsScope], properties["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(severity, properties["severity"]!.GetValue<int>());
        Assert.Equal(frequency, (string?)properties["evaluationFrequency"]);
        Assert.Equal(window, (string?)properties["windowSize"]);
        Assert.Null(properties["overrideQueryTimeRange"]);

        var criterion = Assert.Single(properties["criteria"]!["allOf"]!.AsArray())!;
        var query = (string)criterion["query"]!;
        // The event is chosen by the exporter's EventName dimension, which is the LoggerMessage's EventName.
        var named = EventNames().Matches(query).SelectMany(m => m.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries)).Select(n => n.Trim('"')).ToList();
        Assert.Equal(events.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
        Assert.Equal("Count", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, criterion["threshold"]!.GetValue<int>());
        Assert.Equal(1, criterion["failingPeriods"]!["numberOfEvaluationPeriods"]!.GetValue<int>());
        Assert.Equal(1, criterion["failingPeriods"]!["minFailingPeriodsToAlert"]!.GetValue<int>());
        // Events are counted once: each evaluation reads the window since the previous one.
        Assert.Equal(frequency, window);
        Assert.False(properties["autoMitigate"]!.GetValue<bool>());
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void RuleNotifiesTheActionGroup(string rule, string[] events, int severity, string frequency, string window)
    {
        _ = (events, severity, frequency, window);
        Assert.Equal([ActionGroupId], Rule(rule)["properties"]!["actions"]!["actionGroups"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void NoDecisionRuleComparesTheNightsTheAppCountsWithTheParameter()
    {
        var query = (string)Rule("no-promotion-decision")["properties"]!["criteria"]!["allOf"]![0]!["query"]!;
        Assert.StartsWith("[format('", query, StringComparison.Ordinal);
        Assert.Contains("toint(customDimensions.NightsWithoutDecision)", query, StringComparison.Ordinal);
        Assert.Contains("where Nights >= {0}", query, StringComparison.Ordinal);
        Assert.EndsWith(", parameters('nightsWithoutDecision'))]", query, StringComparison.Ordinal);
        Assert.Contains("parameters('nightsWithoutDecision')", (string?)Rule("no-promotion-decision")["properties"]!["displayName"], StringComparison.Ordinal);
    }

    [Fact]
    public void NightlyRuleReadsTheFailedStartFromTheExceptionsTable()
    {
        // A log written with an exception is exported as exception telemetry, not as a trace.
        var query = (string)Rule("nightly-not-started")["properties"]!["criteria"]!["allOf"]![0]!["query"]!;
        Assert.StartsWith("union traces, exceptions |", query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(OperationsEvents.TrainingRunFailed), "src/Lineage.Orchestration/Telemetry/OrchestrationLog.cs")]
    [InlineData(nameof(OperationsEvents.NightlyStartRefused), "src/Lineage.Functions/NightlyRetrainFunction.cs")]
    [InlineData(nameof(OperationsEvents.NightlyStartFailed), "src/Lineage.Functions/NightlyRetrainFunction.cs")]
    [InlineData(nameof(OperationsEvents.NightlyPromotionStatus), "src/Lineage.Functions/NightlyRetrainFunction.cs")]
    public void EveryWatchedEventNamesALoggerMessageOfTheCode(string constant, string file)
    {
        // The integration tests check these lines are emitted; here, that the event name is the one the rules read.
        var source = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, file));
        Assert.Matches(new Regex($@"\[LoggerMessage\([^\]]*EventName = OperationsEvents\.{constant}\)\]"), source);
    }

    private JsonObject Rule(string name)
    {
        var (_, template) = compiled.Main.Module("alerts");
        return Assert.Single(template.ResourcesOfType(ScheduledQueryRule), r => ((string?)r["name"])?.Contains($"-{name}'", StringComparison.Ordinal) == true);
    }

    [GeneratedRegex("""customDimensions\.EventName\) (?:== (?<names>"[A-Za-z]+")|in \((?<names>"[A-Za-z]+"(?:, "[A-Za-z]+")*)\))""")]
    private static partial Regex EventNames();
}
