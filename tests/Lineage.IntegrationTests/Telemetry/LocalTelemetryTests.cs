using Lineage.Hosting;
using Lineage.Orchestration.Telemetry;
using Microsoft.Extensions.Logging;

namespace Lineage.IntegrationTests.Telemetry;

public sealed class LocalTelemetryTests
{
    [Fact]
    public void NothingIsExportedUnlessConfigured()
    {
        using var callerFactory = LoggerFactory.Create(_ => { });
        var options = new LocalTelemetryOptions();
        using var telemetry = LocalTelemetry.Start(options, callerFactory);
        Assert.False(options.Enabled);
        Assert.Same(callerFactory, telemetry.LoggerFactory);
    }

    [Theory]
    [InlineData(null, false, null)]
    [InlineData("", false, null)]
    [InlineData("Authorization=AAD", true, null)]
    [InlineData("ClientId=1234-abcd;Authorization=AAD", true, "1234-abcd")]
    [InlineData(" clientid = 1234 ; authorization = aad ", true, "1234")]
    public void AuthenticationStringSelectsEntraIdAndTheClientId(string? value, bool entraId, string? clientId)
    {
        var parsed = ApplicationInsightsAuthentication.Parse(value);
        Assert.Equal(entraId, parsed.UseEntraId);
        Assert.Equal(clientId, parsed.ManagedIdentityClientId);
    }

    [Theory]
    [InlineData("Authorization=Basic")]
    [InlineData("ClientId")]
    public void MalformedAuthenticationStringNamesTheSetting(string value)
    {
        var error = Assert.Throws<FormatException>(() => ApplicationInsightsAuthentication.Parse(value));
        Assert.Contains(ApplicationInsightsAuthentication.SettingName, error.Message, StringComparison.Ordinal);
    }
}
