namespace Lineage.Orchestration.Telemetry;

/// <summary>
/// APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("ClientId=...;Authorization=AAD"): when present, telemetry is sent
/// with an Entra ID token (the Application Insights resource has local auth off), from that managed identity.
/// </summary>
public sealed record ApplicationInsightsAuthentication(bool UseEntraId, string? ManagedIdentityClientId)
{
    public const string SettingName = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public const string ConnectionStringSettingName = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static ApplicationInsightsAuthentication Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new(false, null);
        }

        string? clientId = null;
        var entraId = false;
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = part.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new FormatException($"{SettingName}: '{part}' is not key=value.");
            }

            var key = part[..separator].Trim();
            var setting = part[(separator + 1)..].Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                entraId = setting.Equals("AAD", StringComparison.OrdinalIgnoreCase)
                    ? true
                    : throw new FormatException($"{SettingName}: Authorization '{setting}' is not supported; use AAD.");
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            {
                clientId = setting.Length > 0 ? setting : null;
            }
        }

        return new(entraId, clientId);
    }
}
