using VinzVault.Protocol.Ping;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>Maps a scenario's <c>protocol.kind</c> to the binding that runs it.</summary>
public static class Bindings
{
    public static readonly IReadOnlyList<string> Kinds = ["ping", "d1ht", "storage", "host"];

    public static IProtocolBinding Create(ProtocolSpec spec) => spec.Kind switch
    {
        "ping" => new PingBinding(new PingOptions(spec.PingPeriod)),
        "d1ht" => new D1htBinding(spec.D1ht),
        "storage" => new Storage.StorageBinding(spec.Storage),
        "host" => new HostBinding(spec.D1ht, spec.Storage),
        _ => throw new ArgumentException($"unknown protocol kind '{spec.Kind}' (known: {string.Join(", ", Kinds)})"),
    };
}
