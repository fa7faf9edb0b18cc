namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>The outcome of loading a scenario: the scenario, or a one-line error a user can act on.</summary>
public readonly record struct ScenarioResult(Scenario? Scenario, string? Error)
{
    public bool Ok => Scenario is not null;

    public static ScenarioResult Loaded(Scenario scenario) => new(scenario, null);

    /// <summary>An error, folded onto one line so it reads well in a terminal and a CI log.</summary>
    public static ScenarioResult Failed(string error) => new(null, error.ReplaceLineEndings(" "));
}
