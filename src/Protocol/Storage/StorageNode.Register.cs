using System.Buffers.Binary;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage.Metadata;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Linearizable registers in the DHT (volume records, catalog buckets), changed by CASPaxos: a proposer prepares
/// a ballot on the register's acceptors, applies a pure change to the newest accepted value of a majority, and
/// has a majority accept the result. Acceptors are <see cref="StorageOptions.RegisterReplicas"/> hosts placed from
/// the key like a chunk's replicas (distinct racks where possible); they persist their promise and value (two
/// checksummed slots, so a torn write never loses the previous state) before they answer. A read whose majority
/// all report one accepted ballot returns at once: that value was accepted by a majority, so it is chosen (one
/// round trip).
/// </summary>
public sealed partial class StorageNode
{
    private const int RegisterSlot = RegisterLimits.MaxValueBytes + 64;

    /// <summary>What a change makes of the register's current value: the next value, or null to only read it; or an error.</summary>
    private readonly record struct RegisterChange(byte[]? Next, string? Error = null);

    private sealed class Acceptor
    {
        public Ballot Promised, Accepted;
        public byte[] Value = [];
        public ulong Writes;
        public bool Loaded, Loading, Busy;
        public readonly Queue<(Address From, Wire.Message Message)> Waiting = new();
    }

    private sealed class Proposal(ulong key, Func<byte[], RegisterChange> change, Action<byte[]?, string?> done)
    {
        public readonly ulong Key = key;
        public readonly Func<byte[], RegisterChange> Change = change;
        public readonly Action<byte[]?, string?> Done = done;
        public long Request;
        public Ballot Ballot;
        public Address[] Acceptors = [];
        public bool Accepting;
        public byte[] Proposed = [];
        public readonly List<RegisterPromiseMessage> Promises = [];
        /// <summary>Acceptors that answered the current phase (a duplicated answer must not count twice).</summary>
        public readonly SortedSet<ulong> Answered = [];
        public int Attempts;
        public Micros SentAt, RetryAt;
    }

    private readonly SortedDictionary<ulong, Acceptor> _acceptors = [];
    private readonly SortedDictionary<long, Proposal> _proposals = [];
    private readonly SortedDictionary<ulong, Queue<Proposal>> _keyQueues = [];
    private ulong _ballotFloor;

    /// <summary>The ballot and value each loaded acceptor of this host accepted last, by register key (for checkers).</summary>
    public IEnumerable<(ulong Key, Ballot Ballot, byte[] Value)> AcceptedRegisters() =>
        _acceptors.Where(kv => kv.Value.Loaded).Select(kv => (kv.Key, kv.Value.Accepted, kv.Value.Value));

    /// <summary>Runs <paramref name="change"/> atomically on the register at <paramref name="key"/>; <paramref name="done"/> gets the value after it, or an error.</summary>
    /// <remarks>
    /// Proposals of this host for one key run one at a time, in order: two of them would only preempt each other's
    /// ballots (a chunk's replica-set change racing another's on the same volume record).
    /// </remarks>
    private void ProposeRegister(ulong key, Func<byte[], RegisterChange> change, Action<byte[]?, string?> done)
    {
        if (!_keyQueues.TryGetValue(key, out var queue)) _keyQueues[key] = queue = new Queue<Proposal>();
        queue.Enqueue(new Proposal(key, change, (value, error) =>
        {
            queue.Dequeue();
            if (queue.Count > 0) StartBallot(queue.Peek()); else _keyQueues.Remove(key);
            done(value, error);
        }));
        if (queue.Count == 1) StartBallot(queue.Peek());
        EnsureTicking();
    }

    /// <summary>
    /// The register's acceptors, placed like a chunk from the key (distinct racks where possible) and spread over the
    /// datacenters as evenly as they divide (which ones get one more turns with the key): with three or more
    /// datacenters, losing any one leaves a majority, so volumes can still be attached in the others.
    /// </summary>
    private Address[] RegisterAcceptors(ulong key)
    {
        int datacenters = Math.Max(1, _locations.Datacenters), n = _options.RegisterReplicas;
        var perDatacenter = new int[datacenters];
        int first = (int)(key % (ulong)datacenters);
        for (int i = 0; i < n; i++) perDatacenter[(first + i) % datacenters]++;
        return Placement.Replicas(_table, _locations, key, -1, n, new PlacementPolicy(perDatacenter));
    }

    private void StartBallot(Proposal p)
    {
        if (p.Attempts++ >= _options.RegisterAttempts) { p.Done(null, "the metadata register stayed contended or unreachable; try again"); return; }
        p.Acceptors = RegisterAcceptors(p.Key);
        if (p.Acceptors.Length == 0) { p.Done(null, "no hosts known to hold the metadata register"); return; }
        p.Request = _nextRequest++;
        // The ballot names this process life (its random nonce), not the host: a restarted proposer that lost its
        // counter can never send a second value under a ballot its earlier life used.
        p.Ballot = new Ballot(++_ballotFloor, _nonce);
        p.Accepting = false;
        p.Promises.Clear();
        p.Answered.Clear();
        p.SentAt = _now;
        p.RetryAt = Micros.MaxValue;
        _proposals[p.Request] = p;
        foreach (var a in p.Acceptors) _fx.Send(a, new RegisterPrepareMessage(p.Key, p.Request, p.Ballot));
    }

    /// <summary>Lost the ballot or timed out: back off a random part of a retry interval, then try above the highest ballot seen.</summary>
    private void RetryLater(Proposal p)
    {
        _proposals.Remove(p.Request);
        p.Request = _nextRequest++;
        p.RetryAt = _now + new Micros(1 + (long)(_rng.NextUInt64() % (ulong)_options.RetryInterval.Value));
        _proposals[p.Request] = p;
    }

    private void OnPromise(Address from, RegisterPromiseMessage m)
    {
        if (m.Promised.Counter > _ballotFloor) _ballotFloor = m.Promised.Counter;
        if (!_proposals.TryGetValue(m.RequestId, out var p) || p.Accepting || p.RetryAt != Micros.MaxValue) return;
        if (Array.IndexOf(p.Acceptors, from) < 0 || !p.Answered.Add(from.Value)) return;
        if (!m.Ok) { RetryLater(p); return; }
        p.Promises.Add(m);
        int majority = p.Acceptors.Length / 2 + 1;
        if (p.Promises.Count < majority) return;
        var newest = p.Promises.MaxBy(x => x.Accepted)!;
        var change = p.Change(newest.Value);
        if (change.Error is not null) { _proposals.Remove(p.Request); p.Done(null, change.Error); return; }
        if (change.Next is null && p.Promises.TrueForAll(x => x.Accepted == newest.Accepted))
        {
            _proposals.Remove(p.Request);
            p.Done(newest.Value, null);
            return;
        }
        p.Accepting = true;
        p.Answered.Clear();
        p.Proposed = change.Next ?? newest.Value;
        p.SentAt = _now;
        foreach (var a in p.Acceptors) _fx.Send(a, new RegisterAcceptMessage(p.Key, p.Request, p.Ballot, p.Proposed));
    }

    private void OnAccepted(Address from, RegisterAcceptedMessage m)
    {
        if (m.Promised.Counter > _ballotFloor) _ballotFloor = m.Promised.Counter;
        if (!_proposals.TryGetValue(m.RequestId, out var p) || !p.Accepting || p.RetryAt != Micros.MaxValue) return;
        if (Array.IndexOf(p.Acceptors, from) < 0 || !p.Answered.Add(from.Value)) return;
        if (!m.Ok) { RetryLater(p); return; }
        if (p.Answered.Count < p.Acceptors.Length / 2 + 1) return;
        _proposals.Remove(p.Request);
        p.Done(p.Proposed, null);
    }

    /// <summary>Phases not answered by a majority within a retry interval start over with a new ballot.</summary>
    private void RegisterTimeouts()
    {
        foreach (var p in _proposals.Values.ToArray())
        {
            if (p.RetryAt != Micros.MaxValue) { if (_now >= p.RetryAt) { _proposals.Remove(p.Request); StartBallot(p); } }
            else if (_now - p.SentAt >= _options.RetryInterval) { _proposals.Remove(p.Request); StartBallot(p); }
        }
    }

    // Acceptor side: one request at a time per register, each answered only after its state is durable.

    private void OnRegisterRequest(Address from, Wire.Message m, ulong key)
    {
        if (!_acceptors.TryGetValue(key, out var a)) _acceptors[key] = a = new Acceptor();
        a.Waiting.Enqueue((from, m));
        if (!a.Loaded) { if (!a.Loading) LoadAcceptor(key, a); return; }
        if (!a.Busy) ServeAcceptor(key, a);
    }

    private void ServeAcceptor(ulong key, Acceptor a)
    {
        while (!a.Busy && a.Waiting.Count > 0)
        {
            var (from, m) = a.Waiting.Dequeue();
            switch (m)
            {
                case RegisterPrepareMessage p when p.Ballot > a.Promised:
                    a.Promised = p.Ballot;
                    PersistAcceptor(key, a, () => _fx.Send(from, new RegisterPromiseMessage(key, p.RequestId, true, a.Promised, a.Accepted, a.Value)));
                    break;
                case RegisterPrepareMessage p:
                    _fx.Send(from, new RegisterPromiseMessage(key, p.RequestId, false, a.Promised, Ballot.Zero, []));
                    break;
                case RegisterAcceptMessage acc when acc.Ballot >= a.Promised:
                    a.Promised = a.Accepted = acc.Ballot;
                    a.Value = acc.Value;
                    PersistAcceptor(key, a, () => _fx.Send(from, new RegisterAcceptedMessage(key, acc.RequestId, true, a.Promised)));
                    break;
                case RegisterAcceptMessage acc:
                    _fx.Send(from, new RegisterAcceptedMessage(key, acc.RequestId, false, a.Promised));
                    break;
                default:
                    break;
            }
        }
    }

    private void PersistAcceptor(ulong key, Acceptor a, Action then)
    {
        a.Busy = true;
        ulong seq = ++a.Writes;
        var slot = new byte[8 + 16 + 16 + 4 + a.Value.Length + 8];
        var s = slot.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], a.Promised.Counter);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], a.Promised.Proposer);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], a.Accepted.Counter);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], a.Accepted.Proposer);
        BinaryPrimitives.WriteInt32LittleEndian(s[40..], a.Value.Length);
        a.Value.CopyTo(s[44..]);
        BinaryPrimitives.WriteUInt64LittleEndian(s[^8..], SlotHash(s[..^8]));
        ulong file = VolumeKeys.RegisterFile(key);
        DiskBatch([new DiskOp(DiskOpKind.Write, file, (long)(seq & 1) * RegisterSlot, slot), new DiskOp(DiskOpKind.Sync, file)], ok =>
        {
            a.Busy = false;
            // Not durable: no answer (the proposer times out and retries); the in-memory promise only ever refuses more.
            if (ok) then();
            ServeAcceptor(key, a);
        });
    }

    private void LoadAcceptor(ulong key, Acceptor a)
    {
        a.Loading = true;
        Disk(new DiskOp(DiskOpKind.Read, VolumeKeys.RegisterFile(key), 0, null, 2 * RegisterSlot), r =>
        {
            if (!r.Ok) { LoadAcceptor(key, a); return; }
            var d = r.Data ?? [];
            for (int s = 0; s < 2; s++)
            {
                var span = d.AsSpan(Math.Min(d.Length, s * RegisterSlot));
                if (span.Length < 52) continue;
                int len = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
                if (len < 0 || len > RegisterLimits.MaxValueBytes || span.Length < 52 + len) continue;
                var body = span[..(44 + len)];
                ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(body);
                if (BinaryPrimitives.ReadUInt64LittleEndian(span[(44 + len)..]) != SlotHash(body) || seq <= a.Writes) continue;
                a.Writes = seq;
                a.Promised = new Ballot(BinaryPrimitives.ReadUInt64LittleEndian(body[8..]), BinaryPrimitives.ReadUInt64LittleEndian(body[16..]));
                a.Accepted = new Ballot(BinaryPrimitives.ReadUInt64LittleEndian(body[24..]), BinaryPrimitives.ReadUInt64LittleEndian(body[32..]));
                a.Value = body[44..].ToArray();
            }
            a.Loaded = true;
            ServeAcceptor(key, a);
        });
    }

    private static ulong SlotHash(ReadOnlySpan<byte> data)
    {
        ulong h = 0x243f6a8885a308d3UL;
        foreach (byte b in data) h = (h ^ b) * 1099511628211UL;
        return StableHash.Mix(h);
    }
}
