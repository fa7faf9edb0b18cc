using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Storage;

namespace VinzVault.Protocol.Node;

/// <summary>A node made of several protocol nodes (observers and tests look inside it for the one they know).</summary>
public interface ICompositeNode
{
    IEnumerable<INode> Parts { get; }
}

/// <summary>
/// A whole VinzVault host: D1HT membership and the storage node side by side in one step function. Inputs go to
/// their owner by range: message tags below 100, timer kinds below 100 and disk ids below 2^40 are D1HT's;
/// lookups are D1HT's, every other client request is storage's.
/// </summary>
public sealed class HostNode(D1htNode membership, StorageNode storage) : INode, ICompositeNode
{
    public IEnumerable<INode> Parts => [Membership, Storage];

    public D1htNode Membership { get; } = membership;
    public StorageNode Storage { get; } = storage;

    public void Step(Micros now, in Input input, Effects effects)
    {
        switch (input.Kind)
        {
            case InputKind.Start:
                Membership.Step(now, input, effects);
                Storage.Step(now, input, effects);
                break;
            default:
                (ForStorage(input) ? (INode)Storage : Membership).Step(now, input, effects);
                break;
        }
    }

    private static bool ForStorage(in Input input) => input.Kind switch
    {
        InputKind.Received => input.Message is { } m && (byte)m.Tag >= 100,
        InputKind.TimerFired => input.Timer.Kind >= StorageNode.TickTimer,
        InputKind.DiskDone => input.Id >= StorageNode.DiskIdBase,
        InputKind.ClientRequest => input.Op is not LookupOp,
        _ => false,
    };
}
