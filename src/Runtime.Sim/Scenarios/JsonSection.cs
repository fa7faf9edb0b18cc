using System.Globalization;
using System.Text.Json;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>
/// One JSON object of a scenario file, read field by field with defaults. Errors are sticky, like
/// <c>WireReader</c>: after the first one every read returns its fallback and only that first error is kept,
/// so readers go straight through and check once. The fields a reader asks for are the known ones; any other
/// field is reported as unknown, with the closest known name, once the reader is done with the object.
/// </summary>
internal sealed class JsonSection
{
    /// <summary>The first error of a whole document, shared by all its sections.</summary>
    private sealed class FirstError { public string? Message; }

    private readonly JsonElement _element;
    private readonly FirstError _error;
    private readonly List<string> _known = [];

    private JsonSection(JsonElement element, string path, FirstError error) => (_element, Path, _error) = (element, path, error);

    /// <summary>Where this object sits in the document, e.g. <c>scenario.faults[2]</c>.</summary>
    public string Path { get; }

    /// <summary>Reads a whole document whose root is an object; returns the first error, if any, with its path.</summary>
    public static T ReadRoot<T>(JsonElement root, string path, T fallback, Func<JsonSection, T> read, out string? error)
    {
        var first = new FirstError();
        var value = ReadObject(root, path, first, fallback, read);
        error = first.Message;
        return value;
    }

    /// <summary>Records an error about a field of this object (or the object itself when the field is empty).</summary>
    public void Fail(string field, string message) => _error.Message ??= $"{(field.Length == 0 ? Path : Path + "." + field)}: {message}";

    public string String(string name, string fallback) =>
        TryGet(name, JsonValueKind.String, "a string", out var e) ? e.GetString()! : fallback;

    public bool Bool(string name, bool fallback)
    {
        if (!TryGet(name, out var e)) return fallback;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        return WrongType(name, "true or false", e, fallback);
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(name, JsonValueKind.Number, "an integer", out var e)) return fallback;
        if (!e.TryGetInt32(out int v)) return WrongType(name, "an integer", e, fallback);
        if (v < min || v > max) return OutOfRange(name, min, max == int.MaxValue ? null : max, v, fallback);
        return v;
    }

    /// <summary>An integer that may be absent (null).</summary>
    public int? OptionalInt(string name, int min = int.MinValue) => TryGet(name, out _) ? Int(name, min, min) : null;

    /// <summary>An unsigned 64-bit integer, also accepted as a string of digits: many JSON tools round numbers above 2^53.</summary>
    public ulong UInt64(string name, ulong fallback)
    {
        const string Expected = "a non-negative integer or a string of digits";
        if (!TryGet(name, out var e)) return fallback;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out ulong n)) return n;
        if (e.ValueKind == JsonValueKind.String && ulong.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong s)) return s;
        return WrongType(name, Expected, e, fallback);
    }

    public double Double(string name, double fallback, double min, double max) =>
        OptionalDouble(name, fallback, min, max) ?? fallback;

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>]; null is allowed and kept.</summary>
    public double? OptionalDouble(string name, double? fallback, double min, double max)
    {
        if (!TryGet(name, out var e) || e.ValueKind == JsonValueKind.Null) return fallback;
        if (e.ValueKind != JsonValueKind.Number) return WrongType(name, "a number", e, fallback);
        double v = e.GetDouble();
        if (v < min || v > max) return OutOfRange(name, min, double.IsPositiveInfinity(max) ? null : max, v, fallback);
        return v;
    }

    public Micros Duration(string name, Micros fallback, bool positive) =>
        OptionalDuration(name, fallback, positive) ?? fallback;

    /// <summary>A duration string in <see cref="Units"/>; null is allowed and kept.</summary>
    public Micros? OptionalDuration(string name, Micros? fallback, bool positive)
    {
        if (!TryGet(name, out var e) || e.ValueKind == JsonValueKind.Null) return fallback;
        if (e.ValueKind == JsonValueKind.Number)
            return Failed(name, $"expected a duration string, found number {e.GetRawText()}; write it with a unit, e.g. \"{e.GetRawText()}s\"", fallback);
        if (e.ValueKind != JsonValueKind.String) return WrongType(name, "a duration string such as \"90s\"", e, fallback);
        if (!Units.TryParseDuration(e.GetString()!, out var v, out string error)) return Failed(name, error, fallback);
        if (positive && v == Micros.Zero) return Failed(name, "must be longer than zero", fallback);
        return v;
    }

    /// <summary>One of a fixed set of names; a near miss gets a "did you mean".</summary>
    public string Choice(string name, string fallback, IReadOnlyCollection<string> choices)
    {
        if (!TryGet(name, JsonValueKind.String, "a string", out var e)) return fallback;
        string v = e.GetString()!;
        if (choices.Contains(v)) return v;
        string? hint = ClosestName.Find(v, choices);
        return Failed(name, $"unknown value \"{v}\"; {(hint is null ? "" : $"did you mean '{hint}'? ")}expected one of {string.Join(", ", choices)}", fallback);
    }

    /// <summary>An enum value spelled in camelCase ("crash", "datacenter").</summary>
    public T Enum<T>(string name, T fallback) where T : struct, Enum
    {
        var names = System.Enum.GetNames<T>().Select(CamelCase).ToArray();
        string chosen = Choice(name, CamelCase(fallback.ToString()), names);
        return System.Enum.GetValues<T>()[System.Array.IndexOf(names, chosen)];
    }

    /// <summary>An enum value that may be absent (null: the caller's default applies).</summary>
    public T? OptionalEnum<T>(string name) where T : struct, Enum =>
        TryGet(name, out _) ? Enum(name, default(T)) : null;

    public T Object<T>(string name, T fallback, Func<JsonSection, T> read) =>
        TryGet(name, out var e) ? ReadObject(e, Path + "." + name, _error, fallback, read) : fallback;

    /// <summary>An object that may be absent or null (meaning "off").</summary>
    public T? OptionalObject<T>(string name, T? fallback, Func<JsonSection, T> read) where T : class =>
        TryGet(name, out var e) && e.ValueKind != JsonValueKind.Null ? ReadObject(e, Path + "." + name, _error, fallback, read!) : fallback;

    /// <summary>An array of objects, each read by <paramref name="readItem"/>.</summary>
    public IReadOnlyList<T> Array<T>(string name, IReadOnlyList<T> fallback, Func<JsonSection, T> readItem)
    {
        if (!TryGet(name, JsonValueKind.Array, "an array", out var e)) return fallback;
        var items = new List<T>();
        int i = 0;
        foreach (var item in e.EnumerateArray())
            items.Add(ReadObject(item, $"{Path}.{name}[{i++}]", _error, default!, readItem));
        return items;
    }

    private static T ReadObject<T>(JsonElement e, string path, FirstError error, T fallback, Func<JsonSection, T> read)
    {
        var section = new JsonSection(e, path, error);
        if (e.ValueKind != JsonValueKind.Object)
        {
            error.Message ??= $"{path}: expected an object, found {Describe(e)}";
            return fallback;
        }
        var value = read(section);
        section.RejectUnknownFields();
        return error.Message is null ? value : fallback;
    }

    private void RejectUnknownFields()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (_known.Contains(property.Name)) continue;
            string? hint = ClosestName.Find(property.Name, _known);
            Fail(property.Name, hint is null
                ? $"unknown field; known fields here are {string.Join(", ", _known)}"
                : $"unknown field; did you mean '{hint}'?");
        }
    }

    /// <summary>Marks the field known and finds it; false when it is absent or an earlier error stopped the read.</summary>
    private bool TryGet(string name, out JsonElement value)
    {
        _known.Add(name);
        value = default;
        return _error.Message is null && _element.TryGetProperty(name, out value);
    }

    private bool TryGet(string name, JsonValueKind kind, string expected, out JsonElement value)
    {
        if (!TryGet(name, out value)) return false;
        if (value.ValueKind == kind) return true;
        WrongType(name, expected, value, 0);
        return false;
    }

    private T WrongType<T>(string name, string expected, JsonElement found, T fallback) =>
        Failed(name, $"expected {expected}, found {Describe(found)}", fallback);

    /// <summary>A range error; a null <paramref name="max"/> means the range is open above.</summary>
    private T OutOfRange<T>(string name, double min, double? max, double found, T fallback) =>
        Failed(name, max is null ? $"must be at least {min}, found {found}" : $"must be between {min} and {max}, found {found}", fallback);

    private T Failed<T>(string name, string message, T fallback)
    {
        Fail(name, message);
        return fallback;
    }

    private static string Describe(JsonElement e)
    {
        string raw = e.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? "" : e.GetRawText();
        if (raw.Length > 40) raw = raw[..37] + "...";
        return e.ValueKind switch
        {
            JsonValueKind.String => "string " + raw,
            JsonValueKind.Number => "number " + raw,
            JsonValueKind.True or JsonValueKind.False => "boolean " + raw,
            JsonValueKind.Null => "null",
            JsonValueKind.Object => "an object",
            _ => "an array",
        };
    }

    private static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
