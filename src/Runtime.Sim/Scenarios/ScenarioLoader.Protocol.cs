namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>The <c>protocol</c> section: its <c>kind</c> picks which options are read.</summary>
public static partial class ScenarioLoader
{
    /// <summary>
    /// Each protocol kind with the reader of its options. To add a protocol, give <see cref="ProtocolSpec"/> its
    /// options and add one entry here; an option of another kind is then refused as an unknown field.
    /// </summary>
    private static readonly (string Kind, Func<JsonSection, ProtocolSpec, ProtocolSpec> ReadOptions)[] ProtocolKinds =
    [
        ("ping", static (s, p) => p with { PingPeriod = s.Duration("pingPeriod", p.PingPeriod, positive: true) }),
    ];

    private static ProtocolSpec ReadProtocol(JsonSection s)
    {
        var d = new ProtocolSpec();
        string kind = s.Choice("kind", d.Kind, [.. ProtocolKinds.Select(k => k.Kind)]);
        var entry = Array.Find(ProtocolKinds, k => k.Kind == kind);
        return entry.ReadOptions is null ? d : entry.ReadOptions(s, d with { Kind = kind });
    }
}
