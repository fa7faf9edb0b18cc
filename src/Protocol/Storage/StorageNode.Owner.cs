using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Owner side, ownership: attach (with forced-takeover fencing), planned detach, flush barriers, and what happens
/// when a replica reports a newer epoch (this owner is fenced: every pending operation fails, none is acknowledged).
/// </summary>
public sealed partial class StorageNode
{
    private enum VolumeState : byte { Fencing, Active, Draining, Fenced }

    private sealed class OwnedVolume(VolumeSpec spec, Epoch epoch)
    {
        public readonly VolumeSpec Spec = spec;
        public readonly Epoch Epoch = epoch;
        public VolumeState State;
        public long AttachCall = -1, DetachCall = -1, FenceRequest;
        public Micros FenceSentAt;
        public readonly SortedDictionary<long, OwnedChunk> Chunks = [];
        /// <summary>Replica sets recorded in the register for chunks whose default placement was replaced.</summary>
        public readonly SortedDictionary<long, Address[]> Overrides = [];
        public readonly SortedDictionary<long, Queue<BlockTask>> Blocks = [];
        /// <summary>Sequence numbers of client calls not yet answered, for flush barriers and draining.</summary>
        public readonly SortedSet<long> OpenCalls = [];
        public readonly List<(long Id, long Barrier)> Flushes = [];
        public long NextCall;
        public Micros NextRebalance;
    }

    private readonly SortedDictionary<string, OwnedVolume> _owned = new(StringComparer.Ordinal);

    /// <summary>Volumes this host currently owns (attached and not fenced or detached).</summary>
    public IEnumerable<string> OwnedVolumes => _owned.Where(kv => kv.Value.State is VolumeState.Active or VolumeState.Fencing).Select(kv => kv.Key);

    private void Attach(long id, VolumeRecord record, bool takeover)
    {
        var (spec, epoch) = (record.Spec, record.Epoch);
        if (spec.Geometry.Validate() is { } bad) { _fx.Reply(id, new VolumeResult(false, bad)); return; }
        if (_owned.TryGetValue(spec.Name, out var old))
        {
            if (old.Epoch >= epoch && old.State != VolumeState.Fenced) { _fx.Reply(id, new VolumeResult(false, $"already attached at {old.Epoch}")); return; }
            FailAll(old, "replaced by a newer attach", fenced: true);
        }
        var v = new OwnedVolume(spec, epoch) { AttachCall = id, NextRebalance = _now + _options.RebalanceInterval };
        foreach (var (chunk, set) in record.Replaced ?? v.Overrides) v.Overrides[chunk] = set;
        _owned[spec.Name] = v;
        EnsureTicking();
        if (!takeover)
        {
            // Planned handover: the old owner released; each chunk's first sync fences its replicas.
            BecomeActive(v);
            return;
        }
        v.State = VolumeState.Fencing;
        v.FenceRequest = _nextRequest++;
        SendFences(v);
    }

    private void SendFences(OwnedVolume v)
    {
        v.FenceSentAt = _now;
        var sent = new SortedSet<ulong>();
        for (long c = 0; c < v.Spec.Geometry.Chunks; c++)
        {
            var chunk = GetChunk(v, c);
            for (int i = 0; i < chunk.Replicas.Length; i++)
                if (!chunk.FenceAcked[i] && sent.Add(chunk.Replicas[i].Value))
                    _fx.Send(chunk.Replicas[i], new StoreFenceMessage(v.Spec.Key, v.Epoch, v.FenceRequest));
        }
    }

    private void OnFenceAck(Address from, StoreFenceAckMessage a)
    {
        Heard(from);
        var v = FindOwned(a.Volume);
        if (v is null) return;
        if (a.Status == ReplicaStatus.Fenced && a.Epoch > v.Epoch) { BecomeFenced(v, a.Epoch); return; }
        if (a.Status != ReplicaStatus.Ok || v.State != VolumeState.Fencing || a.RequestId != v.FenceRequest) return;
        bool all = true;
        foreach (var chunk in v.Chunks.Values)
        {
            for (int i = 0; i < chunk.Replicas.Length; i++)
                if (chunk.Replicas[i] == from) chunk.FenceAcked[i] = true;
            all &= chunk.HasQuorum(chunk.FenceAcked);
        }
        if (all) BecomeActive(v);
    }

    private void BecomeActive(OwnedVolume v)
    {
        v.State = VolumeState.Active;
        LogAttached(_ctx.Logger, v.Spec.Name, v.Epoch);
        _fx.Reply(v.AttachCall, new VolumeResult(true, Epoch: v.Epoch));
    }

    private void Detach(long id, string name)
    {
        if (!_owned.TryGetValue(name, out var v) || v.State is VolumeState.Fenced or VolumeState.Draining)
        {
            _fx.Reply(id, new VolumeResult(false, $"volume {name} is not attached here"));
            return;
        }
        if (v.State == VolumeState.Fencing) FailCall(v.AttachCall, "detached during takeover", fenced: false);
        v.State = VolumeState.Draining;
        v.DetachCall = id;
        MaybeFinishDrain(v);
    }

    private void MaybeFinishDrain(OwnedVolume v)
    {
        if (v.State != VolumeState.Draining || v.OpenCalls.Count > 0) return;
        _owned.Remove(v.Spec.Name);
        ReleaseOwnership(v.DetachCall, v.Spec.Name, v.Epoch);
    }

    private void Flush(long id, string name)
    {
        if (!_owned.TryGetValue(name, out var v) || v.State != VolumeState.Active)
        {
            _fx.Reply(id, IoRefusal(v, name));
            return;
        }
        // Replicas sync before they acknowledge, so every acknowledged write is already durable on a quorum;
        // a flush only waits for the writes submitted before it.
        v.Flushes.Add((id, v.NextCall++));
        CompleteFlushes(v);
    }

    private void CompleteFlushes(OwnedVolume v)
    {
        long oldestOpen = v.OpenCalls.Count > 0 ? v.OpenCalls.Min : long.MaxValue;
        for (int i = v.Flushes.Count - 1; i >= 0; i--)
        {
            if (v.Flushes[i].Barrier > oldestOpen) continue;
            _fx.Reply(v.Flushes[i].Id, VolumeResult.Done);
            v.Flushes.RemoveAt(i);
        }
    }

    private VolumeResult IoRefusal(OwnedVolume? v, string name) => v switch
    {
        null => new VolumeResult(false, $"volume {name} is not attached here"),
        { State: VolumeState.Fenced } => new VolumeResult(false, $"volume {name}: this host was fenced by a newer owner", Fenced: true),
        { State: VolumeState.Fencing } => new VolumeResult(false, $"volume {name}: takeover still fencing replicas"),
        _ => new VolumeResult(false, $"volume {name} is being detached"),
    };

    private OwnedVolume? FindOwned(ulong key)
    {
        foreach (var v in _owned.Values) if (v.Spec.Key == key) return v;
        return null;
    }

    private void BecomeFenced(OwnedVolume v, Epoch newer)
    {
        if (v.State == VolumeState.Fenced) return;
        LogFenced(_ctx.Logger, v.Spec.Name, v.Epoch, newer);
        if (v.State == VolumeState.Fencing) FailCall(v.AttachCall, $"a newer owner holds epoch {newer}", fenced: true);
        if (v.State == VolumeState.Draining) _fx.Reply(v.DetachCall, VolumeResult.Done);
        FailAll(v, $"fenced by epoch {newer}", fenced: true);
        v.State = VolumeState.Fenced;
    }

    /// <summary>Fails every pending call of the volume and forgets its in-flight work; nothing pending is acknowledged.</summary>
    private void FailAll(OwnedVolume v, string why, bool fenced)
    {
        var calls = new SortedDictionary<long, ClientCall>();
        foreach (var q in v.Blocks.Values) foreach (var t in q) calls[t.Call.Seq] = t.Call;
        foreach (var c in v.Chunks.Values) foreach (var t in c.Waiting) calls[t.Call.Seq] = t.Call;
        foreach (var call in calls.Values)
            if (!call.Answered) { call.Answered = true; _fx.Reply(call.Id, new VolumeResult(false, why, Fenced: fenced)); }
        foreach (var (id, _) in v.Flushes) _fx.Reply(id, new VolumeResult(false, why, Fenced: fenced));
        v.Flushes.Clear();
        v.Blocks.Clear();
        v.OpenCalls.Clear();
        foreach (var c in v.Chunks.Values) c.Abandon();
        var dead = _reads.Where(kv => kv.Value.Volume == v).Select(kv => kv.Key).ToList();
        foreach (var id in dead) _reads.Remove(id);
    }

    private void FailCall(long id, string why, bool fenced) => _fx.Reply(id, new VolumeResult(false, why, Fenced: fenced));
}
