using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// The simulator's compact routing tables (DESIGN.md §3): every host identity of a run is a slot of one array
/// sorted by ring id; a shared base holds one state per slot; each host's table is the base overridden by its
/// own sorted difference entries (see <see cref="SharedRoutingTable"/>). A state is folded into the base once
/// more than half the tables hold it, and at that moment every table that does not hold it gets an explicit
/// entry with what it did hold, so no host's view ever changes except through its own Apply.
/// </summary>
public sealed class SharedTableSpace
{
    private readonly ulong[] _ids;
    private readonly MembershipEvent[] _base;
    private readonly ulong[] _baseHash;
    private readonly bool[] _baseKnown;
    /// <summary>
    /// Prefix sums of the base (live members, known states, digest hashes of slots below i), rebuilt on the first query
    /// after the base changed. The base changes only in fold batches, so an O(n) rebuild per batch is cheaper than
    /// Fenwick trees: a table's k-th member (rho of them per interval end) took about 130 Fenwick steps at 100,000 hosts.
    /// </summary>
    private readonly int[] _livePrefix, _knownPrefix;
    private readonly ulong[] _digestPrefix;
    private bool _prefixStale = true;
    private readonly MembershipEvent[] _candidate;
    private readonly int[] _candidateCount;
    private readonly List<SharedRoutingTable?> _tables = [];
    private readonly bool[] _pending;
    private readonly List<int> _pendingSlots = [];
    private readonly int _foldBatch;
    private int _registered;
    /// <summary>Every distinct state a table entry has held, so an entry is a 4-byte index (there are about as many as events).</summary>
    private readonly List<MembershipEvent> _interned = [];
    private readonly List<ulong> _internedHash = [];
    private readonly Dictionary<MembershipEvent, int> _internIndex = [];

    /// <param name="foldBatch">
    /// Folds wait until this many slots qualify, then every table is visited once for the whole batch: at 100,000
    /// hosts one visit per table per fold would dominate the run. When folds happen never changes a view.
    /// </param>
    public SharedTableSpace(IReadOnlyList<RingId> ids, int foldBatch = 1)
    {
        _foldBatch = Math.Max(1, foldBatch);
        _ids = ids.Select(i => i.Value).Distinct().Order().ToArray();
        int n = _ids.Length;
        _base = new MembershipEvent[n];
        _baseHash = new ulong[n];
        _baseKnown = new bool[n];
        _candidate = new MembershipEvent[n];
        _candidateCount = new int[n];
        _pending = new bool[n];
        _lastInterned = new int[n];
        _livePrefix = new int[n + 1];
        _knownPrefix = new int[n + 1];
        _digestPrefix = new ulong[n + 1];
    }

    public int Slots => _ids.Length;
    public long Folds { get; private set; }

    /// <summary>Difference entries held by all registered tables, and the array slots allocated for them (memory beyond the base).</summary>
    public (long Entries, long Capacity) Footprint()
    {
        long entries = 0, capacity = 0;
        foreach (var t in _tables)
            if (t is not null) { entries += t.Entries; capacity += t.Capacity; }
        return (entries, capacity);
    }

    /// <summary>A formed table views the base as it is; an empty one starts with "not yet" entries for every known base state.</summary>
    public SharedRoutingTable Create(bool empty)
    {
        var t = new SharedRoutingTable(this, empty);
        _tables.Add(t);
        t.Handle = _tables.Count - 1;
        _registered++;
        return t;
    }

    /// <summary>Forget a table whose host is gone (it takes part in no more folds).</summary>
    public void Release(SharedRoutingTable t)
    {
        if (t.Handle < 0 || _tables[t.Handle] != t) return;
        _tables[t.Handle] = null;
        t.Handle = -1;
        _registered--;
    }

    /// <summary>Sets the base of a slot before any table exists (the formed ring at time zero).</summary>
    public void Seed(in MembershipEvent e)
    {
        int s = SlotOf(e.Id);
        if (s >= 0) SetBase(s, e);
    }

    /// <summary>
    /// Slots of recently looked-up ids, direct-mapped by id. Every host applies the same few recent events, so most
    /// lookups hit here instead of binary-searching 100,000 ids (the top cost of applying an event at that size).
    /// </summary>
    private readonly (ulong Id, int Slot)[] _slotCache = new (ulong, int)[4096];

    internal int SlotOf(RingId id)
    {
        ref var cached = ref _slotCache[(int)((id.Value * 0x9E3779B97F4A7C15UL) >> 52)];
        if (cached.Id == id.Value && cached.Slot > 0) return cached.Slot - 1;
        int i = LowerBound(id.Value);
        if (i >= _ids.Length || _ids[i] != id.Value) return -1;
        cached = (id.Value, i + 1);
        return i;
    }

    /// <summary>First slot whose id is at least <paramref name="id"/>.</summary>
    internal int LowerBound(ulong id)
    {
        int lo = 0, hi = _ids.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ids[mid] < id) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    internal bool BaseKnown(int slot) => _baseKnown[slot];
    internal MembershipEvent Base(int slot) => _base[slot];
    internal ulong BaseHash(int slot) => _baseHash[slot];
    internal long LivePrefix(int slot) => Prefixes()._livePrefix[slot];
    internal long KnownPrefix(int slot) => Prefixes()._knownPrefix[slot];
    internal ulong DigestPrefix(int slot) => Prefixes()._digestPrefix[slot];

    /// <summary>The first slot whose live prefix passes <paramref name="k"/> (the (k+1)-th live base member); Slots when none.</summary>
    internal int FindKthLive(long k)
    {
        var prefix = Prefixes()._livePrefix;
        int lo = 1, hi = prefix.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (prefix[mid] <= k) lo = mid + 1; else hi = mid;
        }
        return lo - 1;
    }

    private SharedTableSpace Prefixes()
    {
        if (!_prefixStale) return this;
        _prefixStale = false;
        int live = 0, known = 0;
        ulong digest = 0;
        for (int s = 0; s < _ids.Length; s++)
        {
            _livePrefix[s] = live; _knownPrefix[s] = known; _digestPrefix[s] = digest;
            if (!_baseKnown[s]) continue;
            known++;
            if (_base[s].Joined) live++;
            digest += _baseHash[s];
        }
        _livePrefix[_ids.Length] = live; _knownPrefix[_ids.Length] = known; _digestPrefix[_ids.Length] = digest;
        return this;
    }

    /// <summary>A table now holds <paramref name="e"/> for its slot; fold it into the base when most tables do.</summary>
    internal void NoteApplied(int slot, in MembershipEvent e)
    {
        if (_baseKnown[slot] && _base[slot].Version >= e.Version) return;
        if (_candidateCount[slot] == 0 || _candidate[slot].Version < e.Version)
        {
            _candidate[slot] = e;
            _candidateCount[slot] = 1;
        }
        else if (_candidate[slot] == e) _candidateCount[slot]++;
        if (2 * _candidateCount[slot] <= _registered || _pending[slot]) return;
        _pending[slot] = true;
        _pendingSlots.Add(slot);
        if (_pendingSlots.Count >= _foldBatch) FoldPending();
    }

    /// <summary>Folds every pending slot whose candidate is still held by most tables, visiting each table once.</summary>
    public void FoldPending()
    {
        _pendingSlots.Sort();
        var slots = new List<int>(_pendingSlots.Count);
        var next = new List<MembershipEvent>(_pendingSlots.Count);
        foreach (int s in _pendingSlots)
        {
            _pending[s] = false;
            if (2 * _candidateCount[s] <= _registered) continue;
            slots.Add(s);
            next.Add(_candidate[s]);
        }
        _pendingSlots.Clear();
        if (slots.Count == 0) return;
        foreach (var t in _tables) t?.BeforeFolds(slots, next);
        for (int i = 0; i < slots.Count; i++)
        {
            SetBase(slots[i], next[i]);
            _candidateCount[slots[i]] = 0;
        }
        Folds += slots.Count;
    }

    private void SetBase(int slot, in MembershipEvent e)
    {
        _base[slot] = e;
        _baseHash[slot] = e.DigestHash;
        _baseKnown[slot] = true;
        _prefixStale = true;
    }

    internal ulong IdAt(int slot) => _ids[slot];

    /// <summary>The index of the state a slot was last interned with, plus one: nearly every host interns the same newest state.</summary>
    private readonly int[] _lastInterned;

    /// <summary><see cref="Intern(in MembershipEvent)"/> for a state of <paramref name="slot"/>, mostly without hashing it.</summary>
    internal int Intern(int slot, in MembershipEvent e)
    {
        int last = _lastInterned[slot] - 1;
        if (last >= 0 && _interned[last] == e) return last;
        int i = Intern(e);
        _lastInterned[slot] = i + 1;
        return i;
    }

    internal int Intern(in MembershipEvent e)
    {
        if (_internIndex.TryGetValue(e, out int i)) return i;
        i = _interned.Count;
        _interned.Add(e);
        _internedHash.Add(e.DigestHash);
        _internIndex.Add(e, i);
        return i;
    }

    internal MembershipEvent State(int index) => _interned[index];
    internal ulong StateHash(int index) => _internedHash[index];

    /// <summary>
    /// The cumulative corrections of one table at a time (<see cref="SharedRoutingTable"/>): the simulator steps one
    /// host at a time, so one scratch serves every table and a table rebuilds it when it was not the last user. Kept
    /// per table, they were two thirds of the tables' memory at 100,000 hosts.
    /// </summary>
    internal int[] LiveCorr = new int[64];
    internal int[] KnownCorr = new int[64];
    internal ulong[] DigestCorr = new ulong[64];
    internal SharedRoutingTable? CorrOwner;

    internal void EnsureScratch(int count)
    {
        if (LiveCorr.Length >= count) return;
        int cap = Math.Max(count, LiveCorr.Length * 2);
        LiveCorr = new int[cap]; KnownCorr = new int[cap]; DigestCorr = new ulong[cap];
    }
}
