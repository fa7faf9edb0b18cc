using System.Buffers.Binary;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Cleanup of copies no longer needed. An owner that replaces a member tells it to drop its copy, but a member that is
/// down then never hears it. So a host lists the chunks it holds in a durable log (a restarted host must know its
/// copies, and chunk files are named by hash) and checks each copy no request touched for
/// <see cref="StorageOptions.StrayAfter"/> against the volume's record, read linearizably from its register:
/// <list type="bullet">
/// <item>no record: keep;</item>
/// <item>attached, and the recorded set (else the default placement by this host's view) leaves this host out: ask the
/// owner, who answers with the ordinary drop only when its own view of the chunk (a joiner and a leaving member
/// included) leaves the host out and every member of that view is in sync;</item>
/// <item>deleted, or detached with a recorded set that leaves this host out: drop the copy here;</item>
/// <item>detached without a recorded set: keep (default placement depends on each host's view, and with no owner
/// there is no view to trust).</item>
/// </list>
/// Why the last is safe: when the read took effect no owner existed, so no replacement was half done, and every
/// acknowledged write is on a majority of the recorded set (a set is recorded only once its joiner is in sync). The
/// copy goes in the step that gets the answer, and only if no request touched it since the check began, so an owner
/// attached later knows the copy only from answers given after it went. Older owners are fenced: the host first
/// takes the record's epoch.
/// </summary>
public sealed partial class StorageNode
{
    public const int StrayTimer = 101;
    private const int HoldingSize = 24;

    /// <summary>A chunk copy held here: the last request that touched it (a counter), and since when it is quiet or was last checked.</summary>
    private sealed class Holding(Micros since)
    {
        public long Touch;
        public Micros Since = since;
    }

    private readonly SortedDictionary<(ulong Volume, long Chunk), Holding> _held = [];
    private readonly List<(Address From, Message Message)> _heldWaiting = [];
    private bool _heldLoaded, _strayChecking;
    private long _heldEnd, _touches;

    /// <summary>Replica requests wait until the log is read: a first write must know whether its chunk is listed.</summary>
    private void LoadHoldings()
    {
        Disk(new DiskOp(DiskOpKind.Read, VolumeKeys.HoldingsFile, 0, null, int.MaxValue), r =>
        {
            if (!r.Ok) { LoadHoldings(); return; }
            var d = r.Data ?? [];
            for (int s = 0; s + HoldingSize <= d.Length; s += HoldingSize)
            {
                ulong volume = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(s));
                long chunk = BinaryPrimitives.ReadInt64LittleEndian(d.AsSpan(s + 8));
                // A torn record (a crash during its write) fails its checksum; it was never synced, so never relied on.
                if (BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(s + 16)) != HoldingChecksum(volume, chunk)) continue;
                if (chunk >= 0) _held[(volume, chunk)] = new Holding(_now);
                else _held.Remove((volume, ~chunk));
            }
            _heldEnd = (d.Length + HoldingSize - 1) / HoldingSize * HoldingSize;
            _heldLoaded = true;
            _fx.SetTimer(new TimerKey(StrayTimer), _now + _options.StrayScanInterval);
            Redeliver(_heldWaiting);
        });
    }

    /// <summary>Disk operations that list a chunk's copy before its first write (none when listed).</summary>
    /// <remarks>Both runtimes' disks run operations in order, so the listing is durable before any block of the copy.</remarks>
    private List<DiskOp> ListCopy(ulong volume, long chunk)
    {
        if (_held.ContainsKey((volume, chunk))) return [];
        _held[(volume, chunk)] = new Holding(_now);
        return AppendHolding(volume, chunk);
    }

    /// <summary>Deletes this host's copy of a chunk (the owner said so, or the cleanup found it unneeded).</summary>
    private void DropCopy(ulong volume, ReplicaVolume v, long chunk)
    {
        v.Chunks.Remove(chunk);
        Disk(new DiskOp(DiskOpKind.Delete, VolumeKeys.ChunkFile(volume, chunk)), _ => { });
        // If this record is lost, the copy is listed again after a restart, checked again, and deleted (again).
        if (_held.Remove((volume, chunk))) DiskBatch(AppendHolding(volume, ~chunk), _ => { });
    }

    /// <summary>A log record: volume, chunk (its complement when the copy is gone), checksum.</summary>
    private List<DiskOp> AppendHolding(ulong volume, long chunk)
    {
        var record = new byte[HoldingSize];
        BinaryPrimitives.WriteUInt64LittleEndian(record, volume);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), chunk);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(16), HoldingChecksum(volume, chunk));
        long at = _heldEnd;
        _heldEnd += HoldingSize;
        return [new DiskOp(DiskOpKind.Write, VolumeKeys.HoldingsFile, at, record), new DiskOp(DiskOpKind.Sync, VolumeKeys.HoldingsFile)];
    }

    private static ulong HoldingChecksum(ulong volume, long chunk) => StableHash.Combine(StableHash.Mix(volume ^ 0x401d), (ulong)chunk);

    /// <summary>A request for a chunk: the copy is in use, so it is not checked for a while, and a check under way keeps it.</summary>
    private void Touch(ulong volume, long chunk)
    {
        if (!_held.TryGetValue((volume, chunk), out var h)) return;
        h.Touch = ++_touches;
        h.Since = _now;
    }

    private void OnStrayTimer()
    {
        _fx.SetTimer(new TimerKey(StrayTimer), _now + _options.StrayScanInterval);
        if (!_strayChecking) CheckStrays();
    }

    /// <summary>Checks the quiet copies of one volume with one register read; the next volume follows when it is answered.</summary>
    private void CheckStrays()
    {
        var quiet = _held.Where(kv => _now - kv.Value.Since >= _options.StrayAfter).ToList();
        if (quiet.Count == 0) return;
        ulong volume = quiet[0].Key.Volume;
        var chunks = quiet.Where(kv => kv.Key.Volume == volume).Select(kv => (kv.Key.Chunk, kv.Value.Touch)).ToList();
        if (!_replicas.TryGetValue(volume, out var v)) _replicas[volume] = v = new ReplicaVolume();
        if (!v.Loaded && !v.Loading) LoadEpoch(volume, v);
        _strayChecking = true;
        ProposeRegister(volume, _ => new RegisterChange(null), (value, error) =>
        {
            _strayChecking = false;
            var record = error is null ? VolumeRecord.Decode(value!) : null;
            foreach (var (chunk, touch) in chunks)
            {
                if (!_held.TryGetValue((volume, chunk), out var h) || h.Touch != touch) continue;
                h.Since = _now;
                if (record is not null) DecideStray(volume, v, chunk, record);
            }
            CheckStrays();
        });
    }

    private void DecideStray(ulong volume, ReplicaVolume v, long chunk, VolumeRecord r)
    {
        var set = r.Replaced is { } sets && sets.TryGetValue(chunk, out var s) ? s : null;
        bool leftOut = set is not null && Array.IndexOf(set, _self) < 0;
        if (r.Status == VolumeStatus.Active && r.Attached)
        {
            // The owner decides, so this host's view of the default placement only saves it asking about every copy.
            var expected = set ?? Placement.Replicas(_table, _locations, volume, chunk, r.Geometry.Replicas, r.Policy);
            if (Array.IndexOf(expected, _self) < 0) _fx.Send(r.Owner, new StoreDropQueryMessage(volume, chunk));
            return;
        }
        if (r.Status != VolumeStatus.Deleted && !(r.Status == VolumeStatus.Active && leftOut)) return;
        // Disk work of an earlier request still under way: keep it this time rather than reason about its order.
        if (!v.Loaded || (v.Chunks.TryGetValue(chunk, out var c) && (c.Loading || c.Applying.Count > 0))) return;
        RaiseEpoch(volume, v, r.Epoch);
        DropCopy(volume, v, chunk);
    }

    /// <summary>
    /// Owner side: a replica asks whether it may drop its copy. The answer is the one a replacement ends with, on the
    /// grounds DESIGN.md §6 asks for: this owner's view of the chunk (joiner and leaving member included) leaves the
    /// host out, and every member of that view holds every acknowledged write. A chunk not yet synced since attach
    /// gets no answer; its resync follows, and the replica asks again later.
    /// </summary>
    private void OnDropQuery(Address from, StoreDropQueryMessage q)
    {
        if (FindOwned(q.Volume) is not { State: VolumeState.Active } v || q.Chunk < 0 || q.Chunk >= v.Spec.Geometry.Chunks) return;
        var chunk = GetChunk(v, q.Chunk);
        if (chunk.IndexOf(from) < 0 && chunk.FullyReplicated) _fx.Send(from, new StoreDropMessage(v.Spec.Key, v.Epoch, q.Chunk, chunk.NextSeq - 1));
    }
}
