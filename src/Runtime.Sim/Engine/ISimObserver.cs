using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;

namespace VinzVault.Runtime.Sim.Engine;

/// <summary>
/// Watches a run from outside the nodes: checkers and metric collectors. Observers see what crossed
/// the wire and what clients were told; they never change the run.
/// </summary>
public interface ISimObserver
{
    void OnSend(long now, int from, int to, Message message) { }
    void OnDeliver(long now, int from, int to, Message message) { }
    void OnReply(long now, int host, long id, ClientResult result) { }
    void OnHostUp(long now, int host) { }
    void OnHostDown(long now, int host, bool permanent) { }
    /// <summary>Called every sample interval; add points to the run's time series here.</summary>
    void OnSample(long now, Metrics metrics) { }
    void OnEnd(long now) { }
}

/// <summary>
/// Plugs a protocol into the simulator: builds nodes, supplies observers (checkers, metrics) and
/// fills the protocol's section of the report.
/// </summary>
public interface IProtocolBinding
{
    string Name { get; }
    /// <summary>The report section this protocol fills (e.g. "membership"), or null.</summary>
    string? ReportSection { get; }
    void Attach(Simulator sim);
    INode CreateNode(NodeContext context, int host);
    IEnumerable<ISimObserver> Observers { get; }
    void WriteReport(System.Text.Json.Nodes.JsonObject section);
    /// <summary>Every report section this protocol fills; by default its one <see cref="ReportSection"/>.</summary>
    IEnumerable<(string Name, Action<System.Text.Json.Nodes.JsonObject> Write)> Sections =>
        ReportSection is { } s ? [(s, WriteReport)] : [];
}
