using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// One host's table in a <see cref="SharedTableSpace"/>: the shared base overridden by a sorted array of entries
/// (a state the host holds that differs from the base, or "not yet" for a base state it has not learned).
/// Queries combine the base's prefix sums with cumulative corrections from the entries, so rank, k-th member and
/// segment digests cost O(log n + log entries). Entries that come to match the base are marked dead and compacted
/// in bulk, so a joiner applying a whole table transfer costs O(n log n), not O(n^2). An entry is 8 bytes (a slot and
/// an interned state, packed in one word), and the corrections live in one scratch of the space, rebuilt by the table that uses it.
/// </summary>
public sealed class SharedRoutingTable : IRoutingTable
{
    /// <summary>An entry's state: an interned state index, or one of these.</summary>
    private const int NotYet = -1, Dead = -2;

    private readonly SharedTableSpace _space;
    /// <summary>Entries sorted by slot, each a slot (high 32 bits) and its state (low 32): one array to search and move.</summary>
    private ulong[] _entries = [];
    private int _count, _dead;
    private bool _dirty = true;
    /// <summary>Live members of this view, kept by <see cref="Apply"/> (folds never change a view), so counting needs no corrections.</summary>
    private int _live;

    internal SharedRoutingTable(SharedTableSpace space, bool empty)
    {
        _space = space;
        if (!empty)
        {
            _live = (int)space.LivePrefix(space.Slots);
            return;
        }
        int n = 0;
        for (int s = 0; s < space.Slots; s++) if (space.BaseKnown(s)) n++;
        Grow(n);
        for (int s = 0; s < space.Slots; s++)
            if (space.BaseKnown(s)) _entries[_count++] = Entry(s, NotYet);
    }

    internal int Handle { get; set; } = -1;

    /// <summary>Difference entries held (memory of this table beyond the shared base).</summary>
    public int Entries => _count - _dead;

    /// <summary>Entry slots allocated.</summary>
    public int Capacity => _entries.Length;

    public int Count => _live;

    public int Rank(RingId id)
    {
        Ensure();
        int pos = _space.LowerBound(id.Value);
        int j = EntryLowerBound(pos);
        return (int)(_space.LivePrefix(pos) + (j > 0 ? _space.LiveCorr[j - 1] : 0));
    }

    public Member At(int rank)
    {
        Ensure();
        var liveCorr = _space.LiveCorr;
        // Live members of this view in slots below x: H(x) = base(x) + corrections of entries below x (monotone in x).
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_space.LivePrefix(SlotAt(mid)) + (mid > 0 ? liveCorr[mid - 1] : 0) <= rank) lo = mid + 1; else hi = mid;
        }
        int j = lo - 1;
        long corr = 0;
        if (j >= 0)
        {
            long before = _space.LivePrefix(SlotAt(j)) + (j > 0 ? liveCorr[j - 1] : 0);
            if (View(j, out var s) && s.Joined && before == rank) return s.Member;
            corr = liveCorr[j];
        }
        int slot = _space.FindKthLive(rank - corr);
        if (slot >= _space.Slots || (j + 1 < _count && slot >= SlotAt(j + 1))) throw new ArgumentOutOfRangeException(nameof(rank));
        return _space.Base(slot).Member;
    }

    public bool TryGetState(RingId id, out MembershipEvent state)
    {
        int slot = _space.SlotOf(id);
        state = default;
        return slot >= 0 && ViewSlot(slot, out state);
    }

    /// <summary>One walk over the entries for ids that ascend (slots do too); a step back searches again.</summary>
    public void TryGetStates(ReadOnlySpan<RingId> ids, Span<MembershipEvent> states, Span<bool> known)
    {
        int j = 0, last = -1;
        for (int i = 0; i < ids.Length; i++)
        {
            int slot = _space.SlotOf(ids[i]);
            if (slot < 0)
            {
                known[i] = false;
                states[i] = default;
                continue;
            }
            if (slot < last) j = EntryLowerBound(slot);
            last = slot;
            while (j < _count && SlotAt(j) < slot) j++;
            known[i] = j < _count && SlotAt(j) == slot && RefAt(j) != Dead ? View(j, out states[i]) : BaseView(slot, out states[i]);
        }
    }

    public bool Apply(in MembershipEvent e, out MembershipEvent? replaced)
    {
        replaced = null;
        int slot = _space.SlotOf(e.Id);
        // Only the run's hosts have slots; anything else cannot be a member of this run.
        if (slot < 0) return false;
        int j = EntryLowerBound(slot);
        bool has = j < _count && SlotAt(j) == slot;
        bool known = has && RefAt(j) != Dead ? View(j, out var cur) : BaseView(slot, out cur);
        if (known) replaced = cur;
        if (known && cur.Version >= e.Version) return false;
        _live += (e.Joined ? 1 : 0) - (known && cur.Joined ? 1 : 0);
        bool matchesBase = _space.BaseKnown(slot) && _space.Base(slot) == e;
        if (matchesBase)
        {
            if (has && RefAt(j) != Dead) { SetRef(j, Dead); _dead++; }
            // A joiner applies its whole transfer (each "not yet" entry dies) and then waits out its quarantine with no
            // query that would compact: at 100,000 hosts about 400 joiners each held 800 KB of dead entries for a minute.
            if (_dead > 64) CompactIfMostlyDead();
        }
        else if (has)
        {
            if (RefAt(j) == Dead) _dead--;
            SetRef(j, _space.Intern(slot, e));
        }
        else Insert(j, slot, _space.Intern(slot, e));
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
            if (j < _count && SlotAt(j) == s)
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
        var digestCorr = _space.DigestCorr;
        var knownCorr = _space.KnownCorr;
        ulong digest = _space.DigestPrefix(hi) - _space.DigestPrefix(lo) + (jh > 0 ? digestCorr[jh - 1] : 0) - (jl > 0 ? digestCorr[jl - 1] : 0);
        long states = _space.KnownPrefix(hi) - _space.KnownPrefix(lo) + (jh > 0 ? knownCorr[jh - 1] : 0) - (jl > 0 ? knownCorr[jl - 1] : 0);
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
            while (j < _count && SlotAt(j) < slot) j++;
            bool has = j < _count && SlotAt(j) == slot;
            if (has && RefAt(j) != Dead)
            {
                if (RefAt(j) >= 0 && _space.State(RefAt(j)) == next[k]) { SetRef(j, Dead); _dead++; }
            }
            else if (has)
            {
                // A dead entry is revived in place with the old base.
                _dead--;
                SetRef(j, OldBase(slot));
            }
            else adds++;
        }
        if (adds == 0) return;
        if (_count + adds > _entries.Length) Grow(Roomy(_count + adds));
        int i = _count - 1, w = _count + adds - 1;
        for (int k = slots.Count - 1; k >= 0; k--)
        {
            int slot = slots[k];
            while (i >= 0 && SlotAt(i) > slot) { Move(i, w); i--; w--; }
            if (i >= 0 && SlotAt(i) == slot) { Move(i, w); i--; w--; continue; }
            _entries[w] = Entry(slot, OldBase(slot));
            w--;
        }
        _count += adds;
    }

    private int OldBase(int slot) => _space.BaseKnown(slot) ? _space.Intern(slot, _space.Base(slot)) : NotYet;

    private void Move(int from, int to)
    {
        _entries[to] = _entries[from];
    }

    private bool ViewSlot(int slot, out MembershipEvent state)
    {
        int j = EntryLowerBound(slot);
        if (j < _count && SlotAt(j) == slot && RefAt(j) != Dead) return View(j, out state);
        return BaseView(slot, out state);
    }

    private bool BaseView(int slot, out MembershipEvent state)
    {
        state = _space.Base(slot);
        return _space.BaseKnown(slot);
    }

    /// <summary>The state entry <paramref name="j"/> shows (a dead entry shows the base).</summary>
    private bool View(int j, out MembershipEvent state)
    {
        int r = RefAt(j);
        if (r >= 0) { state = _space.State(r); return true; }
        if (r == NotYet) { state = default; return false; }
        return BaseView(SlotAt(j), out state);
    }

    private bool ContainsSlotId(ulong id)
    {
        int s = _space.LowerBound(id);
        return s < _space.Slots && _space.IdAt(s) == id;
    }

    private int EntryLowerBound(int slot)
    {
        ulong key = (ulong)(uint)slot << 32;
        var entries = _entries;
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid] < key) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static ulong Entry(int slot, int state) => (ulong)(uint)slot << 32 | (uint)state;
    private int SlotAt(int j) => (int)(_entries[j] >> 32);
    private int RefAt(int j) => (int)(uint)_entries[j];
    private void SetRef(int j, int state) => _entries[j] = (_entries[j] & 0xFFFF_FFFF_0000_0000UL) | (uint)state;

    private void Insert(int j, int slot, int state)
    {
        if (_count == _entries.Length) Grow(Roomy(_count + 1));
        Array.Copy(_entries, j, _entries, j + 1, _count - j);
        _entries[j] = Entry(slot, state);
        _count++;
    }

    /// <summary>
    /// Capacity for <paramref name="count"/> entries with a quarter to spare. With doubling, and shrinking only below a
    /// quarter, a table kept the capacity of its peaks: in a 30-minute 100,000-host run the slots allocated per table
    /// rose from 450 to 600 over ten virtual minutes while the entries held stayed between 110 and 240.
    /// </summary>
    private static int Roomy(int count) => Math.Max(8, count + count / 4);

    private void Grow(int capacity)
    {
        Array.Resize(ref _entries, capacity);
    }

    /// <summary>
    /// Compacts dead entries when they are at least half, then shrinks an array more than a third spare (when it shrank
    /// only half spare, allocated slots averaged 2.5-5x the entries held late in a 30-minute 100,000-host run).
    /// </summary>
    private void CompactIfMostlyDead()
    {
        if (_dead == 0 || _dead * 2 < _count) return;
        int w = 0;
        for (int i = 0; i < _count; i++)
        {
            if (RefAt(i) == Dead) continue;
            _entries[w] = _entries[i];
            w++;
        }
        _count = w;
        _dead = 0;
        _dirty = true;
        if (_entries.Length > 64 && _count + _count / 2 < _entries.Length) Grow(Roomy(_count));
    }

    /// <summary>Compacts (see <see cref="CompactIfMostlyDead"/>) and rebuilds the cumulative corrections when this table changed or another used the scratch.</summary>
    private void Ensure()
    {
        if (!_dirty && _space.CorrOwner == this) return;
        CompactIfMostlyDead();
        _dirty = false;
        _space.CorrOwner = this;
        _space.EnsureScratch(_count);
        var liveCorr = _space.LiveCorr;
        var knownCorr = _space.KnownCorr;
        var digestCorr = _space.DigestCorr;
        int live = 0, known = 0;
        ulong digest = 0;
        for (int i = 0; i < _count; i++)
        {
            int slot = SlotAt(i), r = RefAt(i);
            if (r != Dead)
            {
                bool bk = _space.BaseKnown(slot);
                bool bLive = bk && _space.Base(slot).Joined;
                ulong bHash = bk ? _space.BaseHash(slot) : 0;
                bool vk = r >= 0;
                live += (vk && _space.State(r).Joined ? 1 : 0) - (bLive ? 1 : 0);
                known += (vk ? 1 : 0) - (bk ? 1 : 0);
                digest += (vk ? _space.StateHash(r) : 0) - bHash;
            }
            liveCorr[i] = live; knownCorr[i] = known; digestCorr[i] = digest;
        }
    }
}
