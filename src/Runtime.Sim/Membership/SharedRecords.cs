namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// Records that many simulated hosts hold, each distinct one stored once and counted by the hosts that hold it
/// (<see cref="SharedRecentStates"/>, <see cref="SharedPendingEvents"/>). Nearly every host learns each event with
/// the same detection time and replaced state, from the same detector, so at 100,000 hosts a host's copy shrinks to
/// a 4-byte reference. A record whose last reference is dropped is freed and its slot reused.
/// </summary>
public sealed class SharedRecords<T> where T : struct, IEquatable<T>
{
    private T[] _records = new T[64];
    private int[] _refs = new int[64];
    private readonly Stack<int> _free = [];
    private readonly Dictionary<T, int> _index = [];
    private int _used;

    /// <summary>Distinct records held.</summary>
    public int Records => _index.Count;

    internal T this[int slot] => _records[slot];

    /// <summary>
    /// Slots of recent acquisitions, direct-mapped by the caller's hint (plus one; 0 is empty). Every host acquires the
    /// same few records in turn, so most acquisitions compare one record instead of hashing it into the index.
    /// </summary>
    private readonly int[] _recent = new int[4096];

    /// <summary>The slot of <paramref name="r"/>, with one more reference; <paramref name="hint"/> is any cheap function of the record.</summary>
    internal int Acquire(in T r, ulong hint)
    {
        ref int cached = ref _recent[(int)((hint * 0x9E3779B97F4A7C15UL) >> 52)];
        int slot = cached - 1;
        if (slot < 0 || _refs[slot] == 0 || !_records[slot].Equals(r))
        {
            if (!_index.TryGetValue(r, out slot))
            {
                slot = _free.Count > 0 ? _free.Pop() : NewSlot();
                _records[slot] = r;
                _index.Add(r, slot);
            }
            cached = slot + 1;
        }
        _refs[slot]++;
        return slot;
    }

    internal void Release(int slot)
    {
        if (--_refs[slot] > 0) return;
        _index.Remove(_records[slot]);
        _free.Push(slot);
    }

    private int NewSlot()
    {
        if (_used == _records.Length)
        {
            Array.Resize(ref _records, _used * 2);
            Array.Resize(ref _refs, _used * 2);
        }
        return _used++;
    }
}
