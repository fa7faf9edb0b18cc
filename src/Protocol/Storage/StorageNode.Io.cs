using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Messages;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Owner side, the I/O path. A client call is cut into block tasks; tasks on one block run one at a time (so a
/// read never overlaps a write of the same block), tasks on a chunk wait until the owner knows the chunk (a sync:
/// read every replica's versions, write back the newest content re-versioned in this epoch unless all agree).
/// Writes go to every replica and complete on a quorum of synchronous replicas; reads go to one replica that holds
/// every acknowledged write, else to a quorum with a write-back when the quorum disagrees (ABD).
/// </summary>
public sealed partial class StorageNode
{
    private sealed class ClientCall(long id, long seq, int remaining, long offset, byte[]? buffer)
    {
        public readonly long Id = id, Seq = seq, Offset = offset;
        public readonly byte[]? Buffer = buffer;
        public int Remaining = remaining, RoundTrips;
        public bool Answered;
    }

    private sealed class BlockTask(ClientCall call, long block, int from, int length, byte[]? source, long sourceOffset, bool write)
    {
        public readonly ClientCall Call = call;
        public readonly long Block = block, SourceOffset = sourceOffset;
        public readonly int From = from, Length = length;
        public readonly byte[]? Source = source;
        public readonly bool Write = write;
        public int RoundTrips;
    }

    private sealed class PendingRead(long id, OwnedVolume volume, OwnedChunk chunk, BlockTask? task, bool quorum, int target, Micros now)
    {
        /// <summary>A sync's range, and whether this is its first phase (versions only).</summary>
        public int First, Count = task is null ? chunk.Shape.Blocks : 1;
        public bool VersionsOnly;
        public readonly long Id = id;
        public readonly OwnedVolume Volume = volume;
        public readonly OwnedChunk Chunk = chunk;
        /// <summary>Null for a whole-chunk sync.</summary>
        public readonly BlockTask? Task = task;
        public readonly bool Quorum = quorum;
        public readonly int Target = target;
        public readonly StoreReadReplyMessage?[] Replies = new StoreReadReplyMessage?[chunk.Replicas.Length];
        public readonly Micros SentAt = now;
        public Micros LastSent = now;
        public int AllReplies;
    }

    private readonly SortedDictionary<long, PendingRead> _reads = [];
    private readonly SortedDictionary<ulong, Micros> _heard = [];

    private void SubmitIo(long id, string name, long offset, int length, byte[]? data, bool write)
    {
        if (!_owned.TryGetValue(name, out var v) || v.State != VolumeState.Active) { _fx.Reply(id, IoRefusal(v, name)); return; }
        var g = v.Spec.Geometry;
        if (offset < 0 || length < 0 || offset + length > g.SizeBytes)
        {
            _fx.Reply(id, new VolumeResult(false, $"range {offset}+{length} is outside the volume's {g.SizeBytes} bytes"));
            return;
        }
        if (length == 0) { _fx.Reply(id, VolumeResult.Done); return; }
        int bs = g.BlockSize;
        long first = offset / bs, last = (offset + length - 1) / bs;
        var call = new ClientCall(id, v.NextCall++, (int)(last - first + 1), offset, write ? null : new byte[length]);
        v.OpenCalls.Add(call.Seq);
        for (long b = first; b <= last; b++)
        {
            long start = Math.Max(offset, b * bs), end = Math.Min(offset + length, (b + 1) * bs);
            Enqueue(v, new BlockTask(call, b, (int)(start - b * bs), (int)(end - start), data, start - offset, write));
        }
    }

    private void Enqueue(OwnedVolume v, BlockTask t)
    {
        if (!v.Blocks.TryGetValue(t.Block, out var q)) v.Blocks[t.Block] = q = new Queue<BlockTask>();
        q.Enqueue(t);
        if (q.Count == 1) StartTask(v, t);
    }

    private void StartTask(OwnedVolume v, BlockTask t)
    {
        var chunk = GetChunk(v, t.Block / v.Spec.Geometry.ChunkBlocks);
        bool fullWrite = t.Write && t.From == 0 && t.Length == chunk.Shape.BlockSize;
        if (chunk.State != ChunkState.Known)
        {
            if (!t.Write)
            {
                // A read need not wait for the chunk's sync: an ABD quorum read is linearizable on its own, one round
                // trip when a quorum agrees (else it waits for the sync).
                if (chunk.State == ChunkState.Unknown) BeginSync(v, chunk);
                t.RoundTrips++;
                QuorumRead(v, chunk, t);
            }
            else if (fullWrite && chunk.Sync is null)
            {
                // Nor does a whole-block write while the sync has not read yet: the sync reads only after in-flight
                // writes reach a quorum, so it sees this one as the block's newest and writes it back unchanged.
                t.RoundTrips++;
                IssueWrite(v, chunk, [(BlockIndex(v, t), Slice(t, chunk.Shape.BlockSize))], full: false, () => TaskDone(v, t));
                if (chunk.State == ChunkState.Unknown) BeginSync(v, chunk);
            }
            else
            {
                chunk.Waiting.Add(t);
                if (chunk.State == ChunkState.Unknown) BeginSync(v, chunk);
            }
            return;
        }
        if (fullWrite) WriteBlock(v, chunk, t, Slice(t, chunk.Shape.BlockSize));
        else ReadBlock(v, chunk, t);
    }

    private static byte[] Slice(BlockTask t, int bs)
    {
        if (t.Source is null) return [];
        var d = new byte[bs];
        t.Source.AsSpan((int)t.SourceOffset, t.Length).CopyTo(d.AsSpan(t.From));
        return d;
    }

    private void WriteBlock(OwnedVolume v, OwnedChunk chunk, BlockTask t, byte[] data)
    {
        if (chunk.State != ChunkState.Known) { chunk.Waiting.Add(t); return; }
        t.RoundTrips++;
        IssueWrite(v, chunk, [(BlockIndex(v, t), data)], full: false, () => TaskDone(v, t));
    }

    private static int BlockIndex(OwnedVolume v, BlockTask t) => (int)(t.Block % v.Spec.Geometry.ChunkBlocks);

    private StoreWriteMessage IssueWrite(OwnedVolume v, OwnedChunk chunk, (int Index, byte[] Data)[] blocks, bool full, Action onQuorum)
    {
        long seq = chunk.NextSeq++;
        var version = new BlockVersion(v.Epoch, seq);
        var msg = new StoreWriteMessage(v.Spec.Key, v.Epoch, chunk.Index, seq, chunk.Shape, full,
            [.. blocks.Select(b => new BlockData(b.Index, version, b.Data))]);
        chunk.Inflight[seq] = new Inflight(msg, onQuorum, chunk.Replicas.Length);
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            chunk.Tracks[i].Pending[seq] = new Outgoing(msg, _now);
            Asked(chunk.Replicas[i]);
            _fx.Send(chunk.Replicas[i], msg);
        }
        return msg;
    }

    private void OnWriteAck(Address from, StoreWriteAckMessage a)
    {
        Heard(from);
        var v = FindOwned(a.Volume);
        if (v is null) return;
        if (a.Status == ReplicaStatus.Fenced && a.Epoch > v.Epoch) { BecomeFenced(v, a.Epoch); return; }
        if (a.Status != ReplicaStatus.Ok || !v.Chunks.TryGetValue(a.Chunk, out var chunk)) return;
        int i = chunk.IndexOf(from);
        if (i < 0) return;
        var track = chunk.Tracks[i];
        bool restarted = NoteNonce(track, a.Nonce);
        if (!track.Pending.Remove(a.Seq, out var sent)) return;
        if (!chunk.IsSync[i]) NoteAsyncAck(track, sent);
        // A sync's write-back covers only the blocks that differed; a replica that restarted since may have lost
        // unsynced blocks outside them, so its ack does not make it in sync (repair checks it again).
        track.Acked(a.Seq, sent.Msg.Full && !restarted);
        if (!chunk.Inflight.TryGetValue(a.Seq, out var w) || w.Acked[i]) return;
        w.Acked[i] = true;
        if (!chunk.HasQuorum(w.Acked)) return;
        chunk.Inflight.Remove(a.Seq);
        chunk.MaxAcked = Math.Max(chunk.MaxAcked, a.Seq);
        w.OnQuorum();
        if (chunk.State == ChunkState.Syncing && chunk.Inflight.Count == 0 && chunk.Sync is null) SendSyncRead(v, chunk);
    }

    private void NoteAsyncAck(Track track, Outgoing sent)
    {
        var since = sent.FirstSent;
        if (sent.Msg.Full && track.BehindSince is { } behind)
        {
            since = Micros.Min(since, behind);
            track.BehindSince = null;
        }
        _observer?.AsyncReplicaCaughtUp(_now - since);
    }

    /// <summary>True when the replica restarted since its last answer.</summary>
    private static bool NoteNonce(Track track, ulong nonce)
    {
        // A restarted replica may have torn or lost writes it had not acknowledged, over slots it had: resync it.
        bool restarted = track.Nonce != 0 && track.Nonce != nonce;
        if (restarted) track.Forget();
        track.Nonce = nonce;
        return restarted;
    }

    private int ChooseReader(OwnedChunk chunk)
    {
        int best = -1, bestScore = int.MaxValue;
        var here = _ctx.Location;
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            if (!chunk.InSync(i) || !chunk.IsSync[i]) continue;
            var loc = _locations.Of(chunk.Replicas[i]);
            int score = chunk.Replicas[i] == _self ? 0 : loc == here ? 1 : loc.Datacenter == here.Datacenter ? 2 : 3;
            if (score < bestScore) (best, bestScore) = (i, score);
        }
        return best;
    }

    private void ReadBlock(OwnedVolume v, OwnedChunk chunk, BlockTask t)
    {
        t.RoundTrips++;
        int target = ChooseReader(chunk);
        if (target < 0) { QuorumRead(v, chunk, t); return; }
        var pr = new PendingRead(_nextRequest++, v, chunk, t, quorum: false, target, _now);
        _reads[pr.Id] = pr;
        _fx.Send(chunk.Replicas[target], ReadRequest(v, chunk, pr.Id, BlockIndex(v, t), 1));
    }

    private void QuorumRead(OwnedVolume v, OwnedChunk chunk, BlockTask? t, bool versionsOnly = false, int first = 0, int count = -1)
    {
        var pr = new PendingRead(_nextRequest++, v, chunk, t, quorum: true, -1, _now) { VersionsOnly = versionsOnly, First = first };
        if (count >= 0) pr.Count = count;
        _reads[pr.Id] = pr;
        if (t is null) chunk.Sync = pr;
        SendReads(pr);
    }

    private void SendReads(PendingRead pr)
    {
        var msg = pr.Task is null
            ? ReadRequest(pr.Volume, pr.Chunk, pr.Id, pr.First, pr.Count) with { VersionsOnly = pr.VersionsOnly }
            : ReadRequest(pr.Volume, pr.Chunk, pr.Id, BlockIndex(pr.Volume, pr.Task), 1);
        for (int i = 0; i < pr.Replies.Length; i++)
        {
            if (pr.Replies[i] is not null) continue;
            _fx.Send(pr.Chunk.Replicas[i], msg);
            if (pr.Task is null) _observer?.RepairTraffic(msg.Size());
        }
    }

    private static StoreReadMessage ReadRequest(OwnedVolume v, OwnedChunk chunk, long id, int first, int count) =>
        new(v.Spec.Key, v.Epoch, chunk.Index, id, chunk.Shape, first, count);

    private void OnReadReply(Address from, StoreReadReplyMessage rr)
    {
        Heard(from);
        if (!_reads.TryGetValue(rr.RequestId, out var pr)) return;
        var (v, chunk) = (pr.Volume, pr.Chunk);
        int i = chunk.IndexOf(from);
        if (i < 0 || rr.Volume != v.Spec.Key) return;
        if (rr.Status == ReplicaStatus.Fenced && rr.Epoch > v.Epoch) { BecomeFenced(v, rr.Epoch); return; }
        if (!pr.Quorum)
        {
            if (i != pr.Target) return;
            _reads.Remove(pr.Id);
            if (rr.Status == ReplicaStatus.Ok && rr.Nonce == chunk.Tracks[i].Nonce && rr.Blocks.Count == 1) GotBlock(v, chunk, pr.Task!, rr.Blocks[0].Data);
            else Retry(pr);
            return;
        }
        if (rr.Status != ReplicaStatus.Ok || pr.Replies[i] is not null || rr.Blocks.Count != pr.Count) return;
        pr.Replies[i] = rr;
        pr.AllReplies++;
        if (pr.Task is null)
        {
            _observer?.RepairTraffic(rr.Size());
            if (pr.AllReplies == pr.Replies.Length) DecideSync(pr);
        }
        else if (chunk.HasQuorum(x => pr.Replies[x] is not null)) DecideQuorumRead(pr);
    }

    /// <summary>A one-replica read failed or timed out: fall back to a quorum read.</summary>
    private void Retry(PendingRead pr)
    {
        _reads.Remove(pr.Id);
        pr.Task!.RoundTrips++;
        QuorumRead(pr.Volume, pr.Chunk, pr.Task);
    }

    private void DecideQuorumRead(PendingRead pr)
    {
        _reads.Remove(pr.Id);
        var (v, chunk, t) = (pr.Volume, pr.Chunk, pr.Task!);
        BlockData? best = null;
        foreach (var r in pr.Replies) if (r is not null && (best is null || r.Blocks[0].Version > best.Version)) best = r.Blocks[0];
        if (chunk.HasQuorum(i => pr.Replies[i] is { } r && r.Blocks[0].Version == best!.Version)) { GotBlock(v, chunk, t, best!.Data); return; }
        if (chunk.State != ChunkState.Known) { chunk.Waiting.Add(t); return; }
        // The newest value is not yet on a quorum: write it back before answering, so no later read sees older.
        t.RoundTrips++;
        var data = best!.Data;
        IssueWrite(v, chunk, [(BlockIndex(v, t), data)], full: false, () => GotBlock(v, chunk, t, data));
    }

    private void GotBlock(OwnedVolume v, OwnedChunk chunk, BlockTask t, byte[] data)
    {
        int bs = chunk.Shape.BlockSize;
        if (t.Write)
        {
            var merged = new byte[bs];
            data.CopyTo(merged, 0);
            if (t.Source is null) merged.AsSpan(t.From, t.Length).Clear();
            else t.Source.AsSpan((int)t.SourceOffset, t.Length).CopyTo(merged.AsSpan(t.From));
            WriteBlock(v, chunk, t, merged);
            return;
        }
        if (data.Length > 0) data.AsSpan(t.From, t.Length).CopyTo(t.Call.Buffer.AsSpan((int)(t.Block * bs + t.From - t.Call.Offset)));
        TaskDone(v, t);
    }

    private void TaskDone(OwnedVolume v, BlockTask t)
    {
        if (v.Blocks.TryGetValue(t.Block, out var q) && q.Count > 0 && q.Peek() == t)
        {
            q.Dequeue();
            if (q.Count == 0) v.Blocks.Remove(t.Block);
            else StartTask(v, q.Peek());
        }
        var call = t.Call;
        call.RoundTrips = Math.Max(call.RoundTrips, t.RoundTrips);
        if (--call.Remaining > 0 || call.Answered) return;
        call.Answered = true;
        _fx.Reply(call.Id, new VolumeResult(true, Data: call.Buffer, RoundTrips: call.RoundTrips));
        v.OpenCalls.Remove(call.Seq);
        CompleteFlushes(v);
        MaybeFinishDrain(v);
    }

    private void BeginSync(OwnedVolume v, OwnedChunk chunk)
    {
        if (chunk.State == ChunkState.Syncing) return;
        chunk.State = ChunkState.Syncing;
        if (chunk.Inflight.Count == 0) SendSyncRead(v, chunk);
    }

    private void SendSyncRead(OwnedVolume v, OwnedChunk chunk) => QuorumRead(v, chunk, null, versionsOnly: true);

    /// <summary>
    /// A sync read has answers from a quorum (or all). First phase, versions only: when every replica answered with
    /// the same versions they are all in sync, and no data moves. Otherwise a second phase reads the data of the
    /// range that differs (the whole chunk when some replica did not answer) from a quorum, and the newest content
    /// of each block in it is written back to all, re-versioned in this epoch so it also beats a stale owner's
    /// writes that reached a replica the takeover did not fence. Outside that range every replica answered the
    /// first phase with the same versions, so after the write-back each holds every acknowledged write.
    /// A joining member (a replacement, or a chunk moving onto a joined host) is always written back in full, even if it
    /// answered with the same versions: that copy may be one the owner told to drop earlier, and a drop that arrives late
    /// is ignored only by a copy holding a write issued after it (<see cref="WrittenSince"/>).
    /// </summary>
    private void DecideSync(PendingRead pr)
    {
        _reads.Remove(pr.Id);
        var (v, chunk) = (pr.Volume, pr.Chunk);
        chunk.Sync = null;
        bool joiner = chunk.Replacing && !chunk.InSync(chunk.Replicas.Length - 1);
        int n = pr.Count;
        var best = new BlockData[n];
        bool all = pr.AllReplies == pr.Replies.Length;
        int lo = n, hi = -1;
        foreach (var r in pr.Replies)
        {
            if (r is null) continue;
            for (int b = 0; b < n; b++)
            {
                var x = r.Blocks[b];
                if (best[b] is null) best[b] = x;
                else if (x.Version != best[b].Version)
                {
                    (lo, hi) = (Math.Min(lo, b), Math.Max(hi, b));
                    if (x.Version > best[b].Version) best[b] = x;
                }
            }
        }
        if (all && hi < 0 && !joiner)
        {
            for (int i = 0; i < pr.Replies.Length; i++)
            {
                NoteNonce(chunk.Tracks[i], pr.Replies[i]!.Nonce);
                chunk.Tracks[i].Contig = Math.Max(chunk.Tracks[i].Contig, chunk.NextSeq - 1);
            }
            chunk.MaxAcked = Math.Max(chunk.MaxAcked, chunk.NextSeq - 1);
            Resume(v, chunk, pr.VersionsOnly ? 1 : 2);
            return;
        }
        if (pr.VersionsOnly)
        {
            if (!all || joiner) (lo, hi) = (0, n - 1);
            QuorumRead(v, chunk, null, versionsOnly: false, first: pr.First + lo, count: hi - lo + 1);
            return;
        }
        var msg = IssueWrite(v, chunk, [.. best.Select(b => (b.Index, b.Data))], full: true, () => Resume(v, chunk, 3));
        _observer?.RepairTraffic((long)msg.Size() * chunk.Replicas.Length);
    }

    private void Resume(OwnedVolume v, OwnedChunk chunk, int roundTrips)
    {
        bool repaired = chunk.Repairing;
        chunk.State = ChunkState.Known;
        chunk.Repairing = false;
        var waiting = chunk.Waiting.ToArray();
        chunk.Waiting.Clear();
        foreach (var t in waiting)
        {
            t.RoundTrips += roundTrips;
            StartTask(v, t);
        }
        if (repaired) StartResyncs(v);
    }

    private void Heard(Address from)
    {
        _heard[from.Value] = _now;
        _unansweredSince.Remove(from.Value);
    }

    /// <summary>Retransmits unacknowledged writes, reads and fences; falls back from slow one-replica reads.</summary>
    private void RetryAndTimeouts()
    {
        foreach (var v in _owned.Values)
        {
            if (v.State == VolumeState.Fenced) continue;
            if (v.State == VolumeState.Fencing && _now - v.FenceSentAt >= _options.RetryInterval) SendFences(v);
            foreach (var chunk in v.Chunks.Values)
                for (int i = 0; i < chunk.Replicas.Length; i++)
                {
                    var track = chunk.Tracks[i];
                    var pending = track.Pending;
                    if (pending.Count == 0) continue;
                    foreach (var (seq, o) in pending.ToArray())
                    {
                        if (!chunk.Inflight.ContainsKey(seq) && _now - o.FirstSent >= _options.GiveUpAfter)
                        {
                            pending.Remove(seq);
                            track.BehindSince = Micros.Min(track.BehindSince ?? o.FirstSent, o.FirstSent);
                        }
                        // Back off exponentially (up to 16x): a replica whose disk is behind must not be buried under
                        // copies of writes it is still applying (a whole datacenter coming back gets many resyncs).
                        else if (_now - o.LastSent >= _options.RetryInterval * (1L << Math.Min(o.Resends, 4)))
                        {
                            o.LastSent = _now;
                            o.Resends++;
                            _fx.Send(chunk.Replicas[i], o.Msg);
                            if (o.Msg.Full) _observer?.RepairTraffic(o.Msg.Size());
                        }
                    }
                }
        }
        foreach (var pr in _reads.Values.ToArray())
        {
            if (!pr.Quorum)
            {
                if (_now - pr.SentAt >= _options.ReadTimeout) Retry(pr);
            }
            else if (pr.Task is null && pr.Chunk.HasQuorum(x => pr.Replies[x] is not null) && _now - pr.SentAt >= _options.SyncWait) DecideSync(pr);
            else if (_now - pr.LastSent >= _options.RetryInterval)
            {
                pr.LastSent = _now;
                SendReads(pr);
            }
        }
    }
}
