using System.Globalization;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>
/// Durations and sizes as people write them ("250us", "1.5s", "30m", "4K", "10G"): parsed into exact integers
/// and formatted back so that parsing the text gives the same value. Bad text is an error value, never an exception.
/// </summary>
public static class Units
{
    /// <summary>One family of units, largest first: formatting takes the first unit that represents a value exactly.</summary>
    private sealed record UnitSet(string What, string Examples, (string Suffix, long Scale)[] Units, StringComparison Comparison, string Zero);

    private static readonly UnitSet Durations = new(
        "duration", "'250us', '5ms', '1.5s', '30m', '2h' or '1d'",
        [("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1)],
        StringComparison.Ordinal, "0s");

    // Binary multiples (K = 1024) because block devices and caches are sized in powers of two; "4k" is accepted too.
    private static readonly UnitSet Sizes = new(
        "size", "'512', '4K', '1M', '10G' or '2T'",
        [("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("", 1)],
        StringComparison.OrdinalIgnoreCase, "0");

    /// <summary>A duration, also compound as people write it: "2m30s", "1h15m".</summary>
    public static bool TryParseDuration(string text, out Micros value, out string error)
    {
        value = Micros.Zero;
        long total = 0;
        var parts = SplitCompound(text);
        foreach (string part in parts)
        {
            if (!TryParse(part, Durations, out long micros, out error))
            {
                // Not a compound duration after all: report the text as one piece.
                if (parts.Count > 1) TryParse(text, Durations, out _, out error);
                return false;
            }
            if (micros > long.MaxValue - total)
            {
                error = $"'{text}' is too large";
                return false;
            }
            total += micros;
        }
        error = "";
        value = new Micros(total);
        return true;
    }

    /// <summary>"2m30s" → "2m", "30s": a new part starts where a digit follows a letter.</summary>
    private static List<string> SplitCompound(string? text)
    {
        var parts = new List<string>();
        if (string.IsNullOrEmpty(text)) return [text ?? ""];
        int start = 0;
        for (int i = 1; i < text.Length; i++)
            if (char.IsAsciiDigit(text[i]) && char.IsAsciiLetter(text[i - 1]))
            {
                parts.Add(text[start..i]);
                start = i;
            }
        parts.Add(text[start..]);
        return parts;
    }

    public static bool TryParseSize(string text, out long bytes, out string error) => TryParse(text, Sizes, out bytes, out error);

    /// <summary>The shortest exact spelling with at most three decimals, e.g. "250us", "1.5s", "2h"; negative spans print in microseconds.</summary>
    public static string FormatDuration(Micros value) => Format(value.Value, Durations);

    /// <summary>The shortest exact spelling with at most three decimals, e.g. "512", "4K", "1.5G"; negative sizes print in bytes.</summary>
    public static string FormatSize(long bytes) => Format(bytes, Sizes);

    private static bool TryParse(string? text, UnitSet set, out long value, out string error)
    {
        value = 0;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = $"empty {set.What}; write e.g. {set.Examples}";
            return false;
        }
        if (text[0] == '-')
        {
            error = $"'{text}': a {set.What} cannot be negative";
            return false;
        }
        int numberEnd = 0;
        while (numberEnd < text.Length && (char.IsAsciiDigit(text[numberEnd]) || text[numberEnd] == '.')) numberEnd++;
        string number = text[..numberEnd];
        string suffix = text[numberEnd..];
        if (number.Length == 0)
        {
            error = $"'{text}' is not a {set.What}: it must start with a number; write e.g. {set.Examples}";
            return false;
        }
        long scale = 0;
        foreach (var (unit, unitScale) in set.Units)
        {
            if (string.Equals(unit, suffix, set.Comparison)) scale = unitScale;
        }
        if (scale == 0)
        {
            error = suffix.Length == 0
                ? $"'{text}' has no unit; write e.g. '{text}s'"
                : $"'{text}': unknown unit '{suffix}'; use {string.Join(", ", set.Units.Where(u => u.Suffix.Length > 0).Select(u => u.Suffix))}";
            return false;
        }
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
        {
            error = $"'{text}': '{number}' is not a number";
            return false;
        }
        // Checked before multiplying so that the product cannot overflow even decimal.
        decimal product = amount > (decimal)long.MaxValue / scale ? decimal.MaxValue : amount * scale;
        if (product > long.MaxValue)
        {
            error = $"'{text}' is too large; at most {long.MaxValue / scale}{suffix}";
            return false;
        }
        if (product != decimal.Truncate(product))
        {
            error = $"'{text}' is finer than the smallest unit ('{set.Units[^1].Suffix}'); write a whole number of {(set.Units[^1].Suffix.Length == 0 ? "bytes" : set.Units[^1].Suffix)}";
            return false;
        }
        value = (long)product;
        return true;
    }

    private static string Format(long value, UnitSet set)
    {
        if (value == 0) return set.Zero;
        var smallest = set.Units[^1];
        if (value < 0) return value.ToString(CultureInfo.InvariantCulture) + smallest.Suffix;
        foreach (var (suffix, scale) in set.Units)
        {
            if (value < scale) continue;
            // Rounded to three decimals, then kept only if it parses back to exactly this value.
            string text = decimal.Round((decimal)value / scale, 3).ToString("0.###", CultureInfo.InvariantCulture) + suffix;
            if (TryParse(text, set, out long back, out _) && back == value) return text;
        }
        return value.ToString(CultureInfo.InvariantCulture) + smallest.Suffix;
    }
}
