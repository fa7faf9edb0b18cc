namespace VinzVault.Runtime.Sim.Storage;

/// <summary>Latency (virtual microseconds) and round trips of completed client operations of one kind.</summary>
public sealed class IoStats
{
    private readonly List<long> _latencies = [];
    private readonly List<long> _window = [];
    private long _roundTrips, _oneRoundTrip;

    public long Count => _latencies.Count;
    public double MeanRoundTrips => Count == 0 ? 0 : (double)_roundTrips / Count;
    public double OneRoundTripFraction => Count == 0 ? 1 : (double)_oneRoundTrip / Count;
    public long P99 => Percentile(_latencies, 0.99);
    public long Max => _latencies.Count == 0 ? 0 : _latencies.Max();

    public void Add(long latency, int roundTrips)
    {
        _latencies.Add(latency);
        _window.Add(latency);
        _roundTrips += roundTrips;
        if (roundTrips <= 1) _oneRoundTrip++;
    }

    /// <summary>The 99th percentile since the last call, then starts a new window (for time series).</summary>
    public long TakeWindowP99()
    {
        long p = Percentile(_window, 0.99);
        _window.Clear();
        return p;
    }

    private static long Percentile(List<long> values, double q)
    {
        if (values.Count == 0) return 0;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}
