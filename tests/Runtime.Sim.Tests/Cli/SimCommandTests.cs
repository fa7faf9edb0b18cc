namespace VinzVault.Runtime.Sim.Tests.Cli;

/// <summary>The <c>vinzvault sim</c> command as a user runs it: exit codes and one-line errors.</summary>
public class SimCommandTests
{
    private static string Write(string json)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vv-cli").FullName, "s.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("""{ "name": "x", "topology": { "hosts": 8, "hostsPerRak": 4 } }""", "scenario.topology.hostsPerRak", "hostsPerRack")]
    [InlineData("""{ "name": "x", "seed": "many" }""", "scenario.seed", null)]
    [InlineData("""{ "name": "x", "duration": 90 }""", "scenario.duration", null)]
    [InlineData("""{ "name": "x", "network": { "loss": 1.5 } }""", "scenario.network.loss", null)]
    [InlineData("""{ "name": "x", "topology": { "hosts": 8 """, "invalid JSON", null)]
    public void ABrokenScenarioGetsExit2AndOneLineNamingTheField(string json, string mentions, string? suggests)
    {
        var r = TestPaths.Vinzvault("sim", Write(json));
        Assert.Equal(2, r.Exit);
        string err = r.Err.Trim();
        Assert.DoesNotContain('\n', err);
        Assert.Contains(mentions, err);
        if (suggests is not null) Assert.Contains(suggests, err);
        Assert.Empty(r.Out);
    }

    [Fact]
    public void AMissingFileGetsExit2()
    {
        var r = TestPaths.Vinzvault("sim", "/nonexistent/nothing.json");
        Assert.Equal(2, r.Exit);
        Assert.Contains("not found", r.Err);
        Assert.DoesNotContain('\n', r.Err.Trim());
    }

    [Theory]
    [InlineData("--seed", "-4")]
    [InlineData("--hosts", "0")]
    [InlineData("--duration", "ten minutes")]
    [InlineData("--log-level", "loud")]
    [InlineData("--trace-host", "100000")]
    public void BadOverridesGetExit2(string option, string value)
    {
        var r = TestPaths.Vinzvault("sim", option, value);
        Assert.Equal(2, r.Exit);
        Assert.Contains(option, r.Err);
    }

    [Fact]
    public void OverridesChangeTheRun()
    {
        var r = TestPaths.Vinzvault("sim", "--hosts", "20", "--duration", "15s", "--seed", "99");
        Assert.Equal(0, r.Exit);
        Assert.Contains("20 hosts, 15s virtual, seed 99", r.Out);
        Assert.Contains("ran 15 virtual s", r.Out);
    }

    [Fact]
    public void ReplayCommandNamesSeedAndOverrides() =>
        Assert.Equal("vinzvault sim sim-scenarios/x.json --seed 42 --hosts 100 --duration 5m",
            VinzVault.Cli.SimCommand.ReplayCommand("sim-scenarios/x.json", 42, "100", "5m"));
}
