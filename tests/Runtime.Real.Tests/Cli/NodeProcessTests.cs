using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using VinzVault.Runtime.Real.Tests.Support;

namespace VinzVault.Runtime.Real.Tests.Cli;

public sealed class NodeProcessTests : IDisposable
{
    private readonly string _dir = Eventually.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A `vinzvault node run` child process and everything it printed.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        public NodeProcess(string config)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            var start = new ProcessStartInfo(dotnet)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "vinzvault.dll"), "node", "run", "--config", config, "--log-level", "Debug" })
                start.ArgumentList.Add(arg);
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Add(e.Data);
            _process.ErrorDataReceived += (_, e) => Add(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public Process Process => _process;

        private void Add(string? line)
        {
            if (line is null) return;
            lock (_lines) _lines.Add(line);
        }

        public string Output
        {
            get { lock (_lines) return string.Join('\n', _lines); }
        }

        /// <summary>Waits until some printed line matches, and returns the last such match.</summary>
        public async Task<Match> WaitFor(string pattern)
        {
            var regex = new Regex(pattern);
            Match? found = null;
            await Eventually.Until(() =>
            {
                lock (_lines) found = _lines.Select(l => regex.Match(l)).LastOrDefault(m => m.Success);
                return found is not null;
            }, $"a line matching '{pattern}' in:\n{Output}");
            return found!;
        }

        public async Task<int> Exit()
        {
            using var timeout = new CancellationTokenSource(Eventually.Timeout);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private string WriteConfig(string name, int port, int peer)
    {
        var path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "listen": "127.0.0.1:{{port}}", "peers": ["127.0.0.1:{{peer}}"],
              "dataDir": "{{name}}-data", "protocol": "ping", "pingPeriod": "100ms", "statsPeriod": "1s" }
            """);
        return path;
    }

    private static async Task Terminate(NodeProcess node)
    {
        using var kill = Process.Start("kill", ["-TERM", node.Process.Id.ToString()]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, await node.Exit());
    }

    [Fact]
    public async Task TwoProcessesExchangePingsAndARestartRaisesTheIncarnation()
    {
        int port1 = FreePort(), port2 = FreePort();
        var config1 = WriteConfig("h1", port1, port2);
        var config2 = WriteConfig("h2", port2, port1);

        using var h1 = new NodeProcess(config1);
        using (var h2 = new NodeProcess(config2))
        {
            await h1.WaitFor($"^node h1 listening on 127.0.0.1:{port1}$");
            await h1.WaitFor($"recv Pong from 127.0.0.1:{port2}$");
            await h2.WaitFor($"recv Pong from 127.0.0.1:{port1}$");
            await h1.WaitFor("stats: sent .*Ping=[1-9].*; received .*Pong=[1-9]");
            var before = await h2.WaitFor("booted with incarnation ([0-9]+)");

            h2.Process.Kill(entireProcessTree: true);
            await h2.Exit();

            using var again = new NodeProcess(config2);
            var after = await again.WaitFor("booted with incarnation ([0-9]+)");
            Assert.True(int.Parse(after.Groups[1].Value) > int.Parse(before.Groups[1].Value), again.Output);
            await again.WaitFor($"recv Pong from 127.0.0.1:{port1}$");

            await Terminate(again);
            await again.WaitFor("^node h2 stopped$");
        }
        await Terminate(h1);
        await h1.WaitFor("^node h1 stopped$");
    }

    [Fact]
    public async Task ABadConfigExitsWithCode2AndNamesTheField()
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, """{ "name": "h1", "listen": "127.0.0.1:99999", "dataDir": "d" }""");

        using var node = new NodeProcess(path);

        Assert.Equal(2, await node.Exit());
        await node.WaitFor("error: .*bad.json: 'listen'");
    }
}
