using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>What a node's maintenance costs, by purpose; read by the simulator's metrics (never by the node).</summary>
public sealed class D1htStats
{
    /// <summary>EDRA messages and bytes (events and heartbeats), the "M" and "B" of the traffic model.</summary>
    public long EdraMessages, EdraBytes, EdraEventsSent;
    /// <summary>Probes and their answers (leave detection, admission).</summary>
    public long ProbeMessages, ProbeBytes;
    /// <summary>Join requests, table transfers, admissions.</summary>
    public long JoinMessages, JoinBytes;
    /// <summary>Anti-entropy digests and segments (table repair).</summary>
    public long RepairMessages, RepairBytes, RepairStatesApplied;
    /// <summary>Lookup requests, forwards and replies.</summary>
    public long LookupMessages, LookupBytes;
    /// <summary>Events this node detected (rule 4) and events it learned for the first time from others.</summary>
    public long EventsDetected, EventsLearned;
    /// <summary>States learned from ordinary traffic (a sender missing from the table).</summary>
    public long LearnedFromTraffic;

    /// <summary>Outgoing maintenance bytes (everything but lookups).</summary>
    public long MaintenanceBytes => EdraBytes + ProbeBytes + JoinBytes + RepairBytes;
}

/// <summary>Lookup a key's owner (the routing workload and every chunk access).</summary>
public sealed record LookupOp(RingId Key) : Node.ClientOp;

/// <summary>Outcome of a <see cref="LookupOp"/>: the owner, how many request hops reached it, and how many dead entries were skipped.</summary>
public sealed record LookupResult(bool Ok, Member Owner, int Hops, int Attempts, string? Error = null) : Node.ClientResult;

/// <summary>
/// Watches a node's table from outside (the simulator's checkers and metrics). Called synchronously inside Step; an
/// observer must not feed anything back into the node.
/// </summary>
public interface ID1htObserver
{
    /// <summary>A state change was applied to <paramref name="host"/>'s table; <paramref name="detected"/> when this host detected it.</summary>
    void Applied(Micros now, Address host, in MembershipEvent e, bool detected);
}
