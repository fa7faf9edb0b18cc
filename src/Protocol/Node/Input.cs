using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Node;

public enum InputKind : byte { Start, Received, TimerFired, ClientRequest, DiskDone }

/// <summary>Names a timer: a kind the node defines and a tag it can use to tell stale firings apart.</summary>
public readonly record struct TimerKey(int Kind, long Tag = 0);

/// <summary>One thing that happened to a node. A small struct so the simulator's hot loop allocates nothing for it.</summary>
public readonly struct Input
{
    public InputKind Kind { get; private init; }
    public Address From { get; private init; }
    public Message? Message { get; private init; }
    public TimerKey Timer { get; private init; }
    public long Id { get; private init; }
    public ClientOp? Op { get; private init; }
    public DiskResult? Disk { get; private init; }

    /// <summary>The process (re)started: volatile state is fresh, durable state is on disk.</summary>
    public static Input Start() => new() { Kind = InputKind.Start };
    public static Input Received(Address from, Message message) => new() { Kind = InputKind.Received, From = from, Message = message };
    public static Input TimerFired(TimerKey timer) => new() { Kind = InputKind.TimerFired, Timer = timer };
    public static Input Client(long id, ClientOp op) => new() { Kind = InputKind.ClientRequest, Id = id, Op = op };
    public static Input DiskDone(long id, DiskResult result) => new() { Kind = InputKind.DiskDone, Id = id, Disk = result };

    public override string ToString() => Kind switch
    {
        InputKind.Received => $"recv {Message?.GetType().Name} from {From}",
        InputKind.TimerFired => $"timer {Timer.Kind}/{Timer.Tag}",
        InputKind.ClientRequest => $"client #{Id} {Op}",
        InputKind.DiskDone => $"disk #{Id} {Disk}",
        _ => "start",
    };
}

/// <summary>A request from a local client (an NBD connection, a CLI command, a simulated VM).</summary>
public abstract record ClientOp;

/// <summary>The answer to a <see cref="ClientOp"/>.</summary>
public abstract record ClientResult;

public enum DiskOpKind : byte { Read, Write, Sync, Delete }

/// <summary>
/// A disk operation on a named file of the host's store. Writes are volatile until a Sync completes;
/// the simulator may tear or drop unsynced writes on a crash.
/// </summary>
public sealed record DiskOp(DiskOpKind Kind, ulong File, long Offset = 0, byte[]? Data = null, int Length = 0);

/// <summary>Completion of a <see cref="DiskOp"/>. Data is what a read returned (shorter or null past the end of the file).</summary>
public sealed record DiskResult(bool Ok, byte[]? Data = null, string? Error = null);
