namespace VinzVault.Protocol.Core;

/// <summary>
/// A first-in first-out queue in a circular array, indexable from the oldest item. Its capacity grows by a quarter when
/// full and shrinks to a quarter above its count when half empty: a queue held by each of 100,000 simulated hosts pays
/// for what it holds, not for its peak. (Doubling let a queue whose count wavers around a power of two keep twice its
/// needs for good; over a 30-minute run more and more hosts did.)
/// </summary>
public sealed class RingQueue<T>
{
    private const int MinCapacity = 16;
    private T[] _items = [];
    private int _head;

    public int Count { get; private set; }

    /// <summary>The item <paramref name="i"/> places behind the oldest; i must be in [0, Count).</summary>
    public T this[int i] => _items[Wrap(_head + i)];

    public void Enqueue(T item)
    {
        if (Count == _items.Length) Resize(Math.Max(MinCapacity, _items.Length + _items.Length / 4));
        _items[Wrap(_head + Count)] = item;
        Count++;
    }

    public T Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("the queue is empty");
        var item = _items[_head];
        _items[_head] = default!;
        _head = Wrap(_head + 1);
        Count--;
        if (_items.Length > MinCapacity && Count * 2 <= _items.Length) Resize(Math.Max(MinCapacity, Count + Count / 4));
        return item;
    }

    public void Clear()
    {
        _items = [];
        _head = 0;
        Count = 0;
    }

    /// <summary>An index of the circular array: <paramref name="i"/> is below twice the capacity.</summary>
    private int Wrap(int i) => i >= _items.Length ? i - _items.Length : i;

    private void Resize(int capacity)
    {
        var items = new T[capacity];
        for (int i = 0; i < Count; i++) items[i] = this[i];
        _items = items;
        _head = 0;
    }
}
