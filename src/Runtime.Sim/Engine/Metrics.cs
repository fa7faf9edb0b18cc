namespace VinzVault.Runtime.Sim.Engine;

/// <summary>A named series of (virtual seconds, value) points, drawn as one line in the HTML report.</summary>
public sealed class Series(string name, string unit, string chart)
{
    public string Name { get; } = name;
    public string Unit { get; } = unit;
    /// <summary>Series with the same chart name are drawn together.</summary>
    public string Chart { get; } = chart;
    public List<(double T, double V)> Points { get; } = [];
}

/// <summary>The run's time series, sampled at the scenario's sample interval.</summary>
public sealed class Metrics
{
    private readonly List<Series> _series = [];

    public IReadOnlyList<Series> All => _series;

    public Series Get(string name, string unit, string? chart = null)
    {
        foreach (var s in _series)
            if (s.Name == name) return s;
        var created = new Series(name, unit, chart ?? name);
        _series.Add(created);
        return created;
    }

    public void Add(string name, string unit, double t, double v, string? chart = null) => Get(name, unit, chart).Points.Add((t, v));
}
