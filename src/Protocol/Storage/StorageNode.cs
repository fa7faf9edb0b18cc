using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// A host's storage role: replica of the chunks placed on it (Replica), and owner of the volumes attached to it
/// (Owner, Io, Repair). It learns the membership only through <see cref="IRoutingTable"/>s (the founding members, and
/// optionally its live view) and hosts' locations through <see cref="IHostLocations"/>; whether a table came from D1HT
/// or a test is not its business.
/// </summary>
/// <remarks>
/// Steps are single-threaded; helpers use <see cref="_fx"/> and <see cref="_now"/>, which are only valid during a Step.
/// Timer kinds are 100..149 and disk ids are at or above 2^40 so a host node can route them next to D1HT's.
/// </remarks>
public sealed partial class StorageNode : INode
{
    public const int TickTimer = 100;
    public const long DiskIdBase = 1L << 40;

    private readonly NodeContext _ctx;
    private readonly StorageOptions _options;
    private readonly IRoutingTable _table;
    private readonly Func<IRoutingTable?>? _view;
    private readonly IHostLocations _locations;
    private readonly IStorageObserver? _observer;
    private readonly Prng _rng;
    private readonly Address _self;
    private readonly SortedDictionary<long, Action<DiskResult>> _diskWaits = [];
    private long _nextDiskId = DiskIdBase;
    private long _nextRequest = 1;
    private ulong _nonce;
    private bool _ticking;
    private Effects _fx = null!;
    private Micros _now;

    /// <param name="table">The founding members: default placement of chunks and registers (the same on every host).</param>
    /// <param name="view">This host's live membership (D1HT), or null while it has none: hosts that joined after the
    /// cluster formed get chunks from it (<see cref="Rebalance"/>). Null for a cluster that never grows.</param>
    public StorageNode(NodeContext ctx, StorageOptions options, IRoutingTable table, IHostLocations locations, IStorageObserver? observer = null,
        Func<IRoutingTable?>? view = null)
    {
        _view = view;
        _observer = observer;
        _ctx = ctx;
        _options = options;
        _table = table;
        _locations = locations;
        _rng = new Prng(ctx.Seed);
        _self = ctx.Self;
    }

    public void Step(Micros now, in Input input, Effects effects)
    {
        _fx = effects;
        _now = now;
        switch (input.Kind)
        {
            case InputKind.Start:
                // A fresh nonce per process life lets owners notice that a replica restarted (and may have torn writes).
                _nonce = _rng.NextUInt64() | 1;
                LoadHoldings();
                break;
            case InputKind.DiskDone:
                if (_diskWaits.Remove(input.Id, out var done)) done(input.Disk!);
                break;
            case InputKind.TimerFired when input.Timer.Kind == TickTimer:
                _ticking = false;
                OnTick();
                break;
            case InputKind.TimerFired when input.Timer.Kind == StrayTimer:
                OnStrayTimer();
                break;
            case InputKind.Received when input.Message is not null:
                OnMessage(input.From, input.Message);
                break;
            case InputKind.ClientRequest when input.Op is not null:
                OnClient(input.Id, input.Op);
                break;
            default:
                break;
        }
    }

    private void OnMessage(Address from, Message m)
    {
        switch (m)
        {
            case StoreWriteMessage w: OnReplicaRequest(from, m, w.Volume, w.Epoch); break;
            case StoreReadMessage r: OnReplicaRequest(from, m, r.Volume, r.Epoch); break;
            case StoreFenceMessage f: OnReplicaRequest(from, m, f.Volume, f.Epoch); break;
            case StoreDropMessage d: OnReplicaRequest(from, m, d.Volume, d.Epoch); break;
            case StoreDropQueryMessage q: OnDropQuery(from, q); break;
            case StoreWriteAckMessage a: OnWriteAck(from, a); break;
            case StoreReadReplyMessage rr: OnReadReply(from, rr); break;
            case StoreFenceAckMessage fa: OnFenceAck(from, fa); break;
            case RegisterPrepareMessage rp: OnRegisterRequest(from, m, rp.Key); break;
            case RegisterAcceptMessage ra: OnRegisterRequest(from, m, ra.Key); break;
            case RegisterPromiseMessage pr: OnPromise(from, pr); break;
            case RegisterAcceptedMessage ac: OnAccepted(from, ac); break;
            default: break;
        }
    }

    private void OnClient(long id, ClientOp op)
    {
        switch (op)
        {
            case AttachVolume a: AttachByName(id, a.Volume); break;
            case CreateVolume c: CreateVolumeOp(id, c); break;
            case DeleteVolume d: DeleteVolumeOp(id, d.Name); break;
            case ResizeVolume rs: ResizeVolumeOp(id, rs); break;
            case InfoVolume i: InfoVolumeOp(id, i.Name); break;
            case ListVolumes: ListVolumesOp(id); break;
            case DetachVolume d: Detach(id, d.Volume); break;
            case WriteVolume w: SubmitIo(id, w.Volume, w.Offset, w.Data.Length, w.Data, write: true); break;
            case TrimVolume t: SubmitIo(id, t.Volume, t.Offset, t.Length, null, write: true); break;
            case ReadVolume r: SubmitIo(id, r.Volume, r.Offset, r.Length, null, write: false); break;
            case FlushVolume f: Flush(id, f.Volume); break;
            default: _fx.Reply(id, new VolumeResult(false, $"unsupported operation {op.GetType().Name}")); break;
        }
    }

    private void Disk(DiskOp op, Action<DiskResult> done)
    {
        long id = _nextDiskId++;
        _diskWaits[id] = done;
        _fx.Disk(id, op);
    }

    /// <summary>Runs disk operations and calls <paramref name="done"/> once with whether all of them succeeded.</summary>
    private void DiskBatch(List<DiskOp> ops, Action<bool> done)
    {
        if (ops.Count == 0) { done(true); return; }
        int remaining = ops.Count;
        bool ok = true;
        foreach (var op in ops)
            Disk(op, r =>
            {
                ok &= r.Ok;
                if (--remaining == 0) done(ok);
            });
    }

    private void EnsureTicking()
    {
        if (_ticking) return;
        _ticking = true;
        _fx.SetTimer(new TimerKey(TickTimer), _now + _options.Tick);
    }

    private void OnTick()
    {
        RetryAndTimeouts();
        RegisterTimeouts();
        RepairRound();
        if (_owned.Count > 0 || _proposals.Count > 0) EnsureTicking();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "volume {Volume} attached at epoch {Epoch}")]
    private static partial void LogAttached(ILogger logger, string volume, Epoch epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "volume {Volume} fenced: epoch {Epoch} superseded by {Newer}")]
    private static partial void LogFenced(ILogger logger, string volume, Epoch epoch, Epoch newer);
}
