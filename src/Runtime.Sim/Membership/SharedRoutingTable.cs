using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// One host's table in a <see cref="SharedTableSpace"/>: the shared base overridden by a sorted array of entries
/// (a state the host holds that differs from the base, or "not yet" for a base state it has not learned).
/// Queries combine the base's Fenwick trees with cumulative corrections from the entries, so rank, k-th member and
/// segment digests cost O(log n + log entries). Entries that come to match the base are marked dead and compacted
/// in bulk, so a joiner applying a whole table transfer costs O(n log n), not O(n^2).
/// </summary>
public sealed class SharedRoutingTable : IRoutingTable
{
    private const byte Differs = 0, NotYet = 1, Dead = 2;

    private readonly SharedTableSpace _space;
    private int[] _slots = [];
    private MembershipEvent[] _states = [];
    /// <summary>Digest hash of each entry's state (hashing in every rebuild was a third of a 100,000-host run).</summary>
    private ulong[] _hashes = [];
    private byte[] _kinds = [];
    private int _count, _dead;
    private int[] _liveCorr = [];
    private int[] _knownCorr = [];
    private ulong[] _digestCorr = [];
    private bool _dirty = true;

    internal SharedRoutingTable(SharedTableSpace space, bool empty)
    {
        _space = space;
        if (!empty) return;
        int n = 0;
        for (int s = 0; s < space.Slots; s++) if (space.BaseKnown(s)) n++;
        Grow(n);
        for (int s = 0; s < space.Slots; s++)
            if (space.BaseKnown(s)) { _slots[_count] = s; _kinds[_count] = NotYet; _count++; }
    }

    internal int Handle { get; set; } = -1;

    /// <summary>Difference entries held (memory of this table beyond the shared base).</summary>
    public int Entries => _count - _dead;

    public int Count
    {
        get
        {
            Ensure();
            return (int)(_space.LivePrefix(_space.Slots) + (_count > 0 ? _liveCorr[_count - 1] : 0));
        }
    }

    public int Rank(RingId id)
    {
        Ensure();
        int pos = _space.LowerBound(id.Value);
        int j = EntryLowerBound(pos);
        return (int)(_space.LivePrefix(pos) + (j > 0 ? _liveCorr[j - 1] : 0));
    }

    public Member At(int rank)
    {
        Ensure();
        // Live members of this view in slots below x: H(x) = base(x) + corrections of entries below x (monotone in x).
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_space.LivePrefix(_slots[mid]) + (mid > 0 ? _liveCorr[mid - 1] : 0) <= rank) lo = mid + 1; else hi = mid;
        }
        int j = lo - 1;
        long corr = 0;
        if (j >= 0)
        {
            long before = _space.LivePrefix(_slots[j]) + (j > 0 ? _liveCorr[j - 1] : 0);
            if (View(j, out var s) && s.Joined && before == rank) return s.Member;
            corr = _liveCorr[j];
        }
        int slot = _space.FindKthLive(rank - corr);
        if (slot >= _space.Slots || (j + 1 < _count && slot >= _slots[j + 1])) throw new ArgumentOutOfRangeException(nameof(rank));
        return _space.Base(slot).Member;
    }

    public bool TryGetState(RingId id, out MembershipEvent state)
    {
        int slot = _space.SlotOf(id);
        state = default;
        return slot >= 0 && ViewSlot(slot, out state);
    }

    public bool Apply(in MembershipEvent e)
    {
        int slot = _space.SlotOf(e.Id);
        // Only the run's hosts have slots; anything else cannot be a member of this run.
        if (slot < 0) return false;
        if (ViewSlot(slot, out var cur) && cur.Version >= e.Version) return false;
        int j = EntryLowerBound(slot);
        bool has = j < _count && _slots[j] == slot;
        bool matchesBase = _space.BaseKnown(slot) && _space.Base(slot) == e;
        if (matchesBase)
        {
            if (has && _kinds[j] != Dead) { _kinds[j] = Dead; _dead++; }
        }
        else if (has)
        {
            if (_kinds[j] == Dead) _dead--;
            _kinds[j] = Differs;
            _states[j] = e;
            _hashes[j] = e.DigestHash;
        }
        else Insert(j, slot, e, Differs);
        _dirty = true;
        _space.NoteApplied(slot, e);
        return true;
    }

    public void CopyStates(RingId from, RingId to, List<MembershipEvent> into)
    {
        if (from.Value > to.Value) return;
        int end = _space.LowerBound(to.Value) + (ContainsSlotId(to.Value) ? 1 : 0);
        int s = _space.LowerBound(from.Value);
        // One merge walk over base slots and entries (a whole-table transfer is 10^5 slots).
        for (int j = EntryLowerBound(s); s < end; s++)
        {
            if (j < _count && _slots[j] == s)
            {
                if (View(j, out var v)) into.Add(v);
                j++;
            }
            else if (_space.BaseKnown(s)) into.Add(_space.Base(s));
        }
    }

    public (ulong Digest, int States) Digest(RingId from, RingId to)
    {
        if (from.Value > to.Value) return (0, 0);
        Ensure();
        int lo = _space.LowerBound(from.Value);
        int hi = _space.LowerBound(to.Value) + (ContainsSlotId(to.Value) ? 1 : 0);
        int jl = EntryLowerBound(lo), jh = EntryLowerBound(hi);
        ulong digest = _space.DigestPrefix(hi) - _space.DigestPrefix(lo) + (jh > 0 ? _digestCorr[jh - 1] : 0) - (jl > 0 ? _digestCorr[jl - 1] : 0);
        long states = _space.KnownPrefix(hi) - _space.KnownPrefix(lo) + (jh > 0 ? _knownCorr[jh - 1] : 0) - (jl > 0 ? _knownCorr[jl - 1] : 0);
        return (digest, (int)states);
    }

    /// <summary>
    /// The bases of <paramref name="slots"/> (ascending) are about to become <paramref name="next"/>: keep this view as
    /// it is. Entries that will match the new base die in place; a slot viewed through the old base gets an explicit
    /// entry with it (a "not yet" when it had none). Additions are merged from the back in one pass, so a batch costs
    /// O(entries + batch) per table.
    /// </summary>
    internal void BeforeFolds(List<int> slots, List<MembershipEvent> next)
    {
        _dirty = true;
        int adds = 0;
        int j = 0;
        for (int k = 0; k < slots.Count; k++)
        {
            int slot = slots[k];
            while (j < _count && _slots[j] < slot) j++;
            bool has = j < _count && _slots[j] == slot;
            if (has && _kinds[j] != Dead)
            {
                if (_kinds[j] == Differs && _states[j] == next[k]) { _kinds[j] = Dead; _dead++; }
            }
            else if (has)
            {
                // A dead entry is revived in place with the old base.
                bool known = _space.BaseKnown(slot);
                _dead--;
                _kinds[j] = known ? Differs : NotYet;
                _states[j] = known ? _space.Base(slot) : default;
                _hashes[j] = known ? _space.BaseHash(slot) : 0;
            }
            else adds++;
        }
        if (adds == 0) return;
        if (_count + adds > _slots.Length) Grow(Math.Max(8, (_count + adds) * 2));
        int i = _count - 1, w = _count + adds - 1;
        for (int k = slots.Count - 1; k >= 0; k--)
        {
            int slot = slots[k];
            while (i >= 0 && _slots[i] > slot) { Move(i, w); i--; w--; }
            if (i >= 0 && _slots[i] == slot) { Move(i, w); i--; w--; continue; }
            bool known = _space.BaseKnown(slot);
            _slots[w] = slot;
            _states[w] = known ? _space.Base(slot) : default;
            _hashes[w] = known ? _space.BaseHash(slot) : 0;
            _kinds[w] = known ? Differs : NotYet;
            w--;
        }
        _count += adds;
    }

    private void Move(int from, int to)
    {
        _slots[to] = _slots[from];
        _states[to] = _states[from];
        _hashes[to] = _hashes[from];
        _kinds[to] = _kinds[from];
    }

    private bool ViewSlot(int slot, out MembershipEvent state)
    {
        int j = EntryLowerBound(slot);
        if (j < _count && _slots[j] == slot && _kinds[j] != Dead) return View(j, out state);
        state = _space.Base(slot);
        return _space.BaseKnown(slot);
    }

    private bool View(int j, out MembershipEvent state)
    {
        switch (_kinds[j])
        {
            case Differs: state = _states[j]; return true;
            case NotYet: state = default; return false;
            default: state = _space.Base(_slots[j]); return _space.BaseKnown(_slots[j]);
        }
    }

    private bool ContainsSlotId(ulong id)
    {
        int s = _space.LowerBound(id);
        return s < _space.Slots && _space.IdAt(s) == id;
    }

    private int EntryLowerBound(int slot)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_slots[mid] < slot) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private void Insert(int j, int slot, in MembershipEvent e, byte kind)
    {
        if (_count == _slots.Length) Grow(Math.Max(8, _count * 2));
        Array.Copy(_slots, j, _slots, j + 1, _count - j);
        Array.Copy(_states, j, _states, j + 1, _count - j);
        Array.Copy(_hashes, j, _hashes, j + 1, _count - j);
        Array.Copy(_kinds, j, _kinds, j + 1, _count - j);
        _slots[j] = slot; _states[j] = e; _hashes[j] = e.DigestHash; _kinds[j] = kind;
        _count++;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _slots, capacity);
        Array.Resize(ref _states, capacity);
        Array.Resize(ref _hashes, capacity);
        Array.Resize(ref _kinds, capacity);
    }

    /// <summary>Compacts dead entries when they are many, and rebuilds the cumulative corrections after changes.</summary>
    private void Ensure()
    {
        if (!_dirty) return;
        _dirty = false;
        if (_dead > 0 && _dead * 2 >= _count)
        {
            int w = 0;
            for (int i = 0; i < _count; i++)
            {
                if (_kinds[i] == Dead) continue;
                _slots[w] = _slots[i]; _states[w] = _states[i]; _hashes[w] = _hashes[i]; _kinds[w] = _kinds[i];
                w++;
            }
            _count = w;
            _dead = 0;
            if (_slots.Length > 64 && _count * 4 < _slots.Length) Grow(Math.Max(8, _count * 2));
        }
        if (_liveCorr.Length < _count || _liveCorr.Length > 4 * Math.Max(8, _count))
        {
            int cap = Math.Max(8, _slots.Length);
            _liveCorr = new int[cap]; _knownCorr = new int[cap]; _digestCorr = new ulong[cap];
        }
        int live = 0, known = 0;
        ulong digest = 0;
        for (int i = 0; i < _count; i++)
        {
            int slot = _slots[i];
            if (_kinds[i] != Dead)
            {
                bool bk = _space.BaseKnown(slot);
                var b = _space.Base(slot);
                bool vk = View(i, out var v);
                live += (vk && v.Joined ? 1 : 0) - (bk && b.Joined ? 1 : 0);
                known += (vk ? 1 : 0) - (bk ? 1 : 0);
                digest += (vk ? (_kinds[i] == Differs ? _hashes[i] : _space.BaseHash(slot)) : 0) - (bk ? _space.BaseHash(slot) : 0);
            }
            _liveCorr[i] = live; _knownCorr[i] = known; _digestCorr[i] = digest;
        }
    }
}
