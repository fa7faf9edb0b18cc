using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Logging;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Reporting;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Cli;

/// <summary><c>vinzvault sim [SCENARIO] [--seed N] [--hosts N] [--duration D] [--report F] [--html F]</c>: exit 0 when every invariant held, 1 on a violation, 2 on bad input.</summary>
public static class SimCommand
{
    public const string EmbeddedDefault = "quickstart.json";

    public static Command Build()
    {
        var scenarioArg = new Argument<string?>("scenario") { Description = "Scenario file (JSON); the embedded quickstart when omitted", Arity = ArgumentArity.ZeroOrOne };
        var seed = new Option<string?>("--seed") { Description = "Override the scenario's seed" };
        var hosts = new Option<string?>("--hosts") { Description = "Override the number of hosts" };
        var duration = new Option<string?>("--duration") { Description = "Override the virtual duration (90s, 30m, 2h)" };
        var report = new Option<string?>("--report") { Description = "Write the JSON report here" };
        var html = new Option<string?>("--html") { Description = "Write the HTML report with charts here" };
        var logLevel = new Option<string>("--log-level") { Description = "trace, debug, information, warning, error or none", DefaultValueFactory = _ => "warning" };
        var traceHost = new Option<string?>("--trace-host") { Description = "Only this host's log lines (by index) below warning" };
        var cmd = new Command("sim", "Run a simulated datacenter scenario") { scenarioArg, seed, hosts, duration, report, html, logLevel, traceHost };
        cmd.SetAction(r => Run(new Args(r.GetValue(scenarioArg), r.GetValue(seed), r.GetValue(hosts), r.GetValue(duration),
            r.GetValue(report), r.GetValue(html), r.GetValue(logLevel)!, r.GetValue(traceHost))));
        return cmd;
    }

    private sealed record Args(string? Scenario, string? Seed, string? Hosts, string? Duration, string? Report, string? Html, string LogLevel, string? TraceHost);

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"vinzvault sim: {message}");
        return 2;
    }

    private static int Run(Args a)
    {
        var loaded = a.Scenario is null ? LoadEmbedded() : ScenarioLoader.LoadFile(a.Scenario);
        if (!loaded.Ok) return Fail(loaded.Error!);
        ulong? seed = null;
        int? hosts = null;
        Micros? duration = null;
        if (a.Seed is not null)
        {
            if (!ulong.TryParse(a.Seed, NumberStyles.None, CultureInfo.InvariantCulture, out var s)) return Fail($"--seed: '{a.Seed}' is not a non-negative integer");
            seed = s;
        }
        if (a.Hosts is not null)
        {
            if (!int.TryParse(a.Hosts, NumberStyles.None, CultureInfo.InvariantCulture, out var h) || h < 1) return Fail($"--hosts: '{a.Hosts}' is not a positive integer");
            hosts = h;
        }
        if (a.Duration is not null)
        {
            if (!Units.TryParseDuration(a.Duration, out var d, out var err)) return Fail($"--duration: {err}");
            duration = d;
        }
        var over = ScenarioLoader.ApplyOverrides(loaded.Scenario!, seed, hosts, duration);
        if (!over.Ok) return Fail(over.Error!);
        var scenario = over.Scenario!;
        if (!TryLogLevel(a.LogLevel, out var level)) return Fail($"--log-level: '{a.LogLevel}' is not one of trace, debug, information, warning, error, none");
        int? traceHost = null;
        if (a.TraceHost is not null)
        {
            if (!int.TryParse(a.TraceHost, NumberStyles.None, CultureInfo.InvariantCulture, out var th) || th >= scenario.Topology.Hosts)
                return Fail($"--trace-host: '{a.TraceHost}' is not a host index below {scenario.Topology.Hosts}");
            traceHost = th;
        }
        if (a.Report is not null && !CanWrite(a.Report, out var why)) return Fail($"--report: {why}");
        if (a.Html is not null && !CanWrite(a.Html, out var why2)) return Fail($"--html: {why2}");

        IProtocolBinding binding;
        try { binding = Bindings.Create(scenario.Protocol); }
        catch (ArgumentException e) { return Fail(e.Message); }

        var logging = level == LogLevel.None ? SimLogging.Off : new SimLogging(Console.Error, level, traceHost);
        var sim = new Simulator(scenario, binding, logging);
        Console.WriteLine($"scenario {scenario.Name}: {scenario.Topology.Hosts} hosts, {Units.FormatDuration(scenario.Duration)} virtual, seed {scenario.Seed}, protocol {binding.Name}");
        var progress = new ProgressLine();
        sim.Run(progress.Show);
        progress.Done();

        var json = RunReport.Build(sim);
        Summary.Print(json, sim);
        if (a.Report is not null) RunReport.WriteJson(json, a.Report);
        if (a.Html is not null) File.WriteAllText(a.Html, HtmlReport.Render(json, sim.Metrics));
        if (RunReport.AllHeld(sim)) return 0;
        Console.WriteLine($"INVARIANT VIOLATED with seed {scenario.Seed}. Replay: {ReplayCommand(a, scenario)}");
        return 1;
    }

    /// <summary>The exact command that reruns this scenario with this seed (and the same overrides).</summary>
    public static string ReplayCommand(string? scenarioPath, ulong seed, string? hosts, string? duration)
    {
        var parts = new List<string> { "vinzvault", "sim" };
        if (scenarioPath is not null) parts.Add(scenarioPath);
        parts.Add("--seed");
        parts.Add(seed.ToString(CultureInfo.InvariantCulture));
        if (hosts is not null) { parts.Add("--hosts"); parts.Add(hosts); }
        if (duration is not null) { parts.Add("--duration"); parts.Add(duration); }
        return string.Join(' ', parts);
    }

    private static string ReplayCommand(Args a, Scenario s) => ReplayCommand(a.Scenario, s.Seed, a.Hosts, a.Duration);

    private static ScenarioResult LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedDefault);
        if (stream is null) return ScenarioResult.Failed("the embedded quickstart scenario is missing from this build");
        using var reader = new StreamReader(stream);
        return ScenarioLoader.Parse(reader.ReadToEnd(), "quickstart.json (embedded)");
    }

    private static bool TryLogLevel(string s, out LogLevel level)
    {
        level = s.ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "information" or "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "none" => LogLevel.None,
            _ => (LogLevel)(-1),
        };
        return level >= 0;
    }

    private static bool CanWrite(string path, out string why)
    {
        why = "";
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) { why = $"directory {dir} does not exist"; return false; }
        return true;
    }
}
