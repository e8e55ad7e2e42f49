using System.Text.RegularExpressions;

namespace Lineage.Infra.Tests;

/// <summary>Just enough of ARM's expression syntax to read the literal keys of a <c>createObject(...)</c>.</summary>
public static partial class ArmExpressions
{
    /// <summary>The top-level arguments of the first call to <paramref name="function"/> in an expression.</summary>
    public static IReadOnlyList<string> Arguments(string expression, string function)
    {
        var start = expression.IndexOf(function + "(", StringComparison.Ordinal);
        if (start < 0)
        {
            return [];
        }

        var arguments = new List<string>();
        var depth = 0;
        var inString = false;
        var current = new System.Text.StringBuilder();
        for (var i = start + function.Length + 1; i < expression.Length; i++)
        {
            var c = expression[i];
            if (inString)
            {
                current.Append(c);
                inString = c != '\'';
                continue;
            }

            switch (c)
            {
                case '\'':
                    inString = true;
                    current.Append(c);
                    break;
                case '(':
                    depth++;
                    current.Append(c);
                    break;
                case ')' when depth == 0:
                    arguments.Add(current.ToString().Trim());
                    return arguments;
                case ')':
                    depth--;
                    current.Append(c);
                    break;
                case ',' when depth == 0:
                    arguments.Add(current.ToString().Trim());
                    current.Clear();
                    break;
                default:
                    current.Append(c);
                    break;
            }
        }

        throw new FormatException($"Unbalanced call to {function} in: {expression}");
    }

    /// <summary>createObject('k1', v1, 'k2', v2, ...) as key → value expression.</summary>
    public static IReadOnlyDictionary<string, string> CreateObject(string expression)
    {
        var arguments = Arguments(expression, "createObject");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < arguments.Count; i += 2)
        {
            result[arguments[i].Trim('\'')] = arguments[i + 1];
        }

        return result;
    }

    /// <summary>App-setting references like %Lineage__Nightly__Schedule% in host.json or trigger attributes.</summary>
    public static IEnumerable<string> SettingReferences(string text) =>
        SettingReference().Matches(text).Select(m => m.Groups[1].Value);

    [GeneratedRegex("%([A-Za-z][A-Za-z0-9_]*)%")]
    private static partial Regex SettingReference();
}
