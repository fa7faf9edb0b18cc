namespace VinzVault.Protocol.Core;

/// <summary>
/// A first-in first-out queue in a circular array, indexable from the oldest item. Its capacity doubles when full and
/// halves when a quarter full: a queue held by each of 100,000 simulated hosts pays for what it holds, not for its peak.
/// </summary>
public sealed class RingQueue<T>
{
    private const int MinCapacity = 16;
    private T[] _items = [];
    private int _head;

    public int Count { get; private set; }

    /// <summary>The item <paramref name="i"/> places behind the oldest; i must be in [0, Count).</summary>
    public T this[int i] => _items[(_head + i) & (_items.Length - 1)];

    public void Enqueue(T item)
    {
        if (Count == _items.Length) Resize(Math.Max(MinCapacity, _items.Length * 2));
        _items[(_head + Count) & (_items.Length - 1)] = item;
        Count++;
    }

    public T Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("the queue is empty");
        var item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        if (_items.Length > MinCapacity && Count * 4 <= _items.Length) Resize(_items.Length / 2);
        return item;
    }

    public void Clear()
    {
        _items = [];
        _head = 0;
        Count = 0;
    }

    private void Resize(int capacity)
    {
        var items = new T[capacity];
        for (int i = 0; i < Count; i++) items[i] = this[i];
        _items = items;
        _head = 0;
    }
}
