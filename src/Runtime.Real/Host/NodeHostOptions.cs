namespace VinzVault.Runtime.Real.Host;

/// <summary>Sizes and periods of a <see cref="NodeHost"/>.</summary>
public sealed record NodeHostOptions
{
    public static readonly NodeHostOptions Default = new();

    /// <summary>
    /// Inputs waiting for the node loop. When full, network readers wait, which pushes back on their TCP
    /// connections instead of growing memory; 4096 absorbs bursts from a few hundred peers.
    /// </summary>
    public int InboxCapacity { get; init; } = 4096;

    /// <summary>How often the host logs its message counts; zero turns the line off. Ten seconds keeps logs readable.</summary>
    public TimeSpan StatsPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seed of the node's Prng; null draws one from the OS, since a real host need not replay.</summary>
    public ulong? Seed { get; init; }
}
