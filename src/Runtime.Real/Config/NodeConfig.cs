using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VinzVault.Runtime.Real.Config;

/// <summary>
/// One host's configuration file (JSON). Every error names the field it is about, so a user can fix
/// the file without reading code. Relative paths are relative to the file's directory.
/// </summary>
/// <param name="Name">Host name; the ring ID derives from it.</param>
/// <param name="Listen">Where this host accepts peers; also the address peers answer to.</param>
/// <param name="Peers">Hosts to contact first.</param>
/// <param name="DataDir">Where the host's files live.</param>
/// <param name="Protocol">Which node to run; only "ping" so far.</param>
/// <param name="PingPeriod">Mean time between pings of the ping protocol.</param>
/// <param name="StatsPeriod">How often the host logs its message counts; 0 turns it off.</param>
public sealed partial record NodeConfig(string Name, IPEndPoint Listen, IReadOnlyList<IPEndPoint> Peers, string DataDir, string Protocol, TimeSpan PingPeriod, TimeSpan StatsPeriod)
{
    private static readonly string[] Fields = ["name", "listen", "peers", "dataDir", "protocol", "pingPeriod", "statsPeriod"];
    private static readonly string[] Protocols = ["ping"];

    /// <summary>Reads and validates a config file; the error is prefixed with the file name.</summary>
    public static (NodeConfig? Config, string? Error) Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path}: cannot read: {e.Message}");
        }
        var (config, error) = Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return (config, error is null ? null : $"{path}: {error}");
    }

    /// <summary>Validates config text; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static (NodeConfig? Config, string? Error) Parse(string json, string baseDirectory)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            return (null, $"not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "the file must hold one JSON object");
            foreach (var p in root.EnumerateObject())
            {
                if (!Fields.Contains(p.Name, StringComparer.Ordinal))
                    return (null, $"'{p.Name}': unknown field (known: {string.Join(", ", Fields)})");
            }
            string? error;
            if (!RequiredString(root, "name", out var name, out error)) return (null, error);
            if (name.Any(char.IsWhiteSpace)) return (null, $"'name': '{name}' contains whitespace");
            if (!RequiredString(root, "listen", out var listenText, out error)) return (null, error);
            if (!Net.Endpoints.TryParse(listenText, out var listen, out error)) return (null, $"'listen': {error}");
            if (listen.Address.Equals(IPAddress.Any)) return (null, "'listen': give a specific address, not 0.0.0.0: peers send their answers to it");
            if (!ReadPeers(root, out var peers, out error)) return (null, error);
            if (!RequiredString(root, "dataDir", out var dataDir, out error)) return (null, error);
            string protocol = "ping";
            if (root.TryGetProperty("protocol", out var protocolElement))
            {
                if (protocolElement.ValueKind != JsonValueKind.String || !Protocols.Contains(protocolElement.GetString(), StringComparer.Ordinal))
                    return (null, $"'protocol': must be one of: {string.Join(", ", Protocols)}");
                protocol = protocolElement.GetString()!;
            }
            if (!OptionalDuration(root, "pingPeriod", TimeSpan.FromSeconds(1), out var pingPeriod, out error)) return (null, error);
            if (pingPeriod <= TimeSpan.Zero) return (null, "'pingPeriod': must be positive");
            if (!OptionalDuration(root, "statsPeriod", TimeSpan.FromSeconds(10), out var statsPeriod, out error)) return (null, error);
            return (new NodeConfig(name, listen, peers, Path.GetFullPath(dataDir, baseDirectory), protocol, pingPeriod, statsPeriod), null);
        }
    }

    private static bool RequiredString(JsonElement root, string field, out string value, out string? error)
    {
        value = "";
        if (!root.TryGetProperty(field, out var e)) { error = $"'{field}': missing"; return false; }
        if (e.ValueKind != JsonValueKind.String || e.GetString() is not { Length: > 0 } s) { error = $"'{field}': must be a non-empty string"; return false; }
        value = s;
        error = null;
        return true;
    }

    private static bool ReadPeers(JsonElement root, out List<IPEndPoint> peers, out string? error)
    {
        peers = [];
        error = null;
        if (!root.TryGetProperty("peers", out var e)) return true;
        if (e.ValueKind != JsonValueKind.Array) { error = "'peers': must be an array of \"address:port\" strings"; return false; }
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) { error = $"'peers[{i}]': must be a string like \"127.0.0.1:7002\""; return false; }
            if (!Net.Endpoints.TryParse(item.GetString()!, out var peer, out var why)) { error = $"'peers[{i}]': {why}"; return false; }
            if (peers.Contains(peer)) { error = $"'peers[{i}]': {peer} is listed twice"; return false; }
            peers.Add(peer);
            i++;
        }
        return true;
    }

    private static bool OptionalDuration(JsonElement root, string field, TimeSpan fallback, out TimeSpan value, out string? error)
    {
        value = fallback;
        error = null;
        if (!root.TryGetProperty(field, out var e)) return true;
        if (e.ValueKind == JsonValueKind.String && TryParseDuration(e.GetString()!, out value)) return true;
        error = $"'{field}': must be a duration like \"500ms\", \"1s\" or \"2m\"";
        return false;
    }

    /// <summary>A whole number with unit ms, s or m. Kept minimal and private to config files.</summary>
    private static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var m = DurationPattern().Match(text);
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > 1_000_000_000) return false;
        value = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            _ => TimeSpan.FromMinutes(n),
        };
        return true;
    }

    [GeneratedRegex("^([0-9]+)(ms|s|m)$")]
    private static partial Regex DurationPattern();
}
