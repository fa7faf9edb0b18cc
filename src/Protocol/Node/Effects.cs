using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Node;

public enum EffectKind : byte { Send, SetTimer, Disk, Reply }

/// <summary>One thing a node asks its runtime to do.</summary>
public readonly record struct Effect(EffectKind Kind, Address To, Message? Message, TimerKey Timer, Micros At, long Id, DiskOp? Disk, ClientResult? Result);

/// <summary>
/// The buffer a node appends its effects to during a step. The runtime drains it after each step;
/// reusing one buffer keeps the simulator's hot loop free of allocations.
/// </summary>
public sealed class Effects
{
    private readonly List<Effect> _items = new(16);

    public int Count => _items.Count;
    public Effect this[int i] => _items[i];

    public void Send(Address to, Message message) => _items.Add(new(EffectKind.Send, to, message, default, default, 0, null, null));
    /// <summary>One-shot timer; a node that re-arms simply ignores the stale firing (timers are never cancelled).</summary>
    public void SetTimer(TimerKey timer, Micros at) => _items.Add(new(EffectKind.SetTimer, default, null, timer, at, 0, null, null));
    public void Disk(long id, DiskOp op) => _items.Add(new(EffectKind.Disk, default, null, default, default, id, op, null));
    public void Reply(long id, ClientResult result) => _items.Add(new(EffectKind.Reply, default, null, default, default, id, null, result));
    public void Clear() => _items.Clear();
}
