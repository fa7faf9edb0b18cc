namespace VinzVault.Runtime.Sim.Checkers;

/// <summary>A named property checked during a run; the report lists each with its counts and first violation.</summary>
public sealed class Invariant(string name)
{
    public string Name { get; } = name;
    public long Checks { get; private set; }
    public long Violations { get; private set; }
    public string? FirstViolation { get; private set; }
    public bool Held => Violations == 0;

    /// <summary>Records one check; <paramref name="describe"/> is only called on the first violation.</summary>
    public void Check(bool ok, Func<string> describe) => Check(ok, describe, static d => d());

    /// <summary>
    /// Records one check, describing a violation from <paramref name="state"/>: with a static <paramref name="describe"/>
    /// a check that holds allocates nothing (a capturing lambda costs an allocation on every call of its method).
    /// </summary>
    public void Check<T>(bool ok, T state, Func<T, string> describe)
    {
        Checks++;
        if (ok) return;
        Violations++;
        FirstViolation ??= describe(state);
    }
}
