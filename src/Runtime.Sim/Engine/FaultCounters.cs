namespace VinzVault.Runtime.Sim.Engine;

/// <summary>How often each injected fault actually happened in a run (the report's <c>faults</c> object).</summary>
public sealed class FaultCounters
{
    public long MessagesLost;
    public long MessagesPartitioned;
    public long MessagesDuplicated;
    public long MessagesReordered;
    public long DiskErrors;
    public long DiskDelays;
    public long UnsyncedWritesLost;
    public long TornWrites;
    public long Crashes;
    public long Restarts;
    public long PermanentLosses;
    public long Partitions;
    public long Heals;
    public long ChurnLeaves;
    public long ChurnJoins;

    public IEnumerable<(string Name, long Value)> All() =>
    [
        ("messagesLost", MessagesLost), ("messagesPartitioned", MessagesPartitioned),
        ("messagesDuplicated", MessagesDuplicated), ("messagesReordered", MessagesReordered),
        ("diskErrors", DiskErrors), ("diskDelays", DiskDelays),
        ("unsyncedWritesLost", UnsyncedWritesLost), ("tornWrites", TornWrites),
        ("crashes", Crashes), ("restarts", Restarts), ("permanentLosses", PermanentLosses),
        ("partitions", Partitions), ("heals", Heals), ("churnLeaves", ChurnLeaves), ("churnJoins", ChurnJoins),
    ];
}
