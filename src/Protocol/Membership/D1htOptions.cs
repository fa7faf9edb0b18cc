using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>How events are disseminated.</summary>
public enum DisseminationMode
{
    /// <summary>EDRA: events aggregated per Theta interval, one message per TTL (D1HT.md).</summary>
    Edra,
    /// <summary>Baseline in the style of 1h-Calot: each event forwarded at once, alone, along the same tree.</summary>
    PerEvent,
}

/// <summary>Options of a D1HT node. Every default says where it comes from.</summary>
public sealed record D1htOptions
{
    public static readonly D1htOptions Default = new();

    /// <summary>Fixed Theta when set (scenarios that ask for it); otherwise Theta self-tunes (D1HT.md "Choosing Theta").</summary>
    public Micros? FixedTheta { get; init; }
    /// <summary>Theta before any event rate is known and the upper clamp: D1HT.md's n = 10^4 example is ~9.2 s; a quiet ring need not beat faster.</summary>
    public Micros MaxTheta { get; init; } = Micros.FromSeconds(10);
    /// <summary>Lower clamp of self-tuned Theta: below 1 s the heartbeat alone dominates traffic (B grows as 1/Theta).</summary>
    public Micros MinTheta { get; init; } = Micros.FromSeconds(1);
    /// <summary>Target fraction of lookups that fail on the first hop, f in the Theta formula (D1HT.md default 1%).</summary>
    public double TargetStaleFraction { get; init; } = 0.01;
    /// <summary>Mean one-way delay d in the Theta formula: D1HT.md's example uses 0.25 s (Internet); a datacenter is far below.</summary>
    public Micros MeanDelay { get; init; } = Micros.FromMillis(250);
    /// <summary>Weight of the newest interval in the event-rate estimate: about the last 20 intervals count (smooths Poisson noise).</summary>
    public double RateSmoothing { get; init; } = 0.05;

    /// <summary>Silence from the predecessor, in its Thetas, before probing it (D1HT.md rule 4: about 2 x Theta).</summary>
    public double SilenceThetas { get; init; } = 2.0;
    /// <summary>Probe timeout: a few round trips at D1HT.md's d = 0.25 s.</summary>
    public Micros ProbeTimeout { get; init; } = Micros.FromSeconds(1);
    /// <summary>
    /// Probes sent before a silent predecessor is declared gone. One lost probe or reply must not evict a live
    /// host (a false leave costs a whole ring a leave and then a refuting join); with 3 tries a 0.1% loss
    /// rate gives a false leave about once in 10^9 probes.
    /// </summary>
    public int ProbeAttempts { get; init; } = 3;

    /// <summary>Time from the first probe of a dead predecessor to its detected leave.</summary>
    public Micros ProbeWindow => ProbeTimeout * ProbeAttempts;

    /// <summary>Quarantine T_q (D1HT.md "Joining" 3); the 2015 paper's Gnutella runs use a few minutes; configurable per scenario.</summary>
    public Micros Quarantine { get; init; } = Micros.FromSeconds(60);
    /// <summary>Time a joiner waits for a table before asking another member: ten probe timeouts.</summary>
    public Micros JoinTimeout { get; init; } = Micros.FromSeconds(10);

    /// <summary>Lookup answer timeout before trying the next peer: same scale as the probe timeout.</summary>
    public Micros LookupTimeout { get; init; } = Micros.FromSeconds(1);
    /// <summary>Attempts (dead entries skipped) before a lookup fails: three dead entries in a row is already a broken table.</summary>
    public int LookupAttempts { get; init; } = 3;
    /// <summary>Forwarding budget of one lookup request: one redirect plus quarantine relaying, with slack.</summary>
    public int LookupMaxHops { get; init; } = 4;

    /// <summary>Anti-entropy period in Thetas ("every few Theta", D1HT.md table repair); 0 disables it.</summary>
    public int AntiEntropyThetas { get; init; } = 8;
    /// <summary>Every this many anti-entropy rounds the partner is a random bootstrap peer instead of a neighbour (heals partitions); 0 never. Rarer, at random, above 2,047 members (D1htNode.IsBootstrapRound).</summary>
    public int AntiEntropyRandomEvery { get; init; } = 4;
    /// <summary>A segment with at most this many states is sent whole instead of digested further: 16 digests cost 128 B, about 6 states.</summary>
    public int AntiEntropyLeafStates { get; init; } = 24;

    /// <summary>Largest number of events or states in one frame (bounded frames): 4096 x ~30 B stays far under Codec.MaxMessageBytes.</summary>
    public int MaxRecordsPerMessage { get; init; } = 4096;

    public DisseminationMode Mode { get; init; } = DisseminationMode.Edra;
}
