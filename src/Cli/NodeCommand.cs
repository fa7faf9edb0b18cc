using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Ping;
using VinzVault.Runtime.Real.Config;
using VinzVault.Runtime.Real.Host;
using VinzVault.Runtime.Real.Net;
using VinzVault.Runtime.Real.Storage;

namespace VinzVault.Cli;

/// <summary>`vinzvault node run --config FILE`: runs one host until SIGINT or SIGTERM.</summary>
public static class NodeCommand
{
    /// <summary>Exit code for a config the user must fix.</summary>
    private const int BadConfig = 2;
    private const int Failed = 1;

    public static Command Build()
    {
        var config = new Option<FileInfo>("--config") { Description = "the host's JSON config file", Required = true };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "least severe log level shown (Trace, Debug, Information, Warning, Error)",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var run = new Command("run", "run a node in the foreground until SIGINT or SIGTERM");
        run.Options.Add(config);
        run.Options.Add(logLevel);
        run.SetAction((parse, ct) => RunAsync(parse.GetValue(config)!, parse.GetValue(logLevel), ct));
        var node = new Command("node", "run a storage host");
        node.Subcommands.Add(run);
        return node;
    }

    private static async Task<int> RunAsync(FileInfo file, LogLevel level, CancellationToken ct)
    {
        var (config, error) = NodeConfig.Load(file.FullName);
        if (config is null)
        {
            await Console.Error.WriteLineAsync($"error: {error}");
            return BadConfig;
        }
        using var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(level)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
        TcpTransport transport;
        try
        {
            transport = TcpTransport.Bind(config.Listen, TransportOptions.Default, loggers.CreateLogger<TcpTransport>());
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on {config.Listen}: {e.Message}");
            return Failed;
        }
        var store = new FileStore(config.DataDir, loggers.CreateLogger<FileStore>());
        var pingOptions = new PingOptions(new Micros((long)config.PingPeriod.TotalMicroseconds));
        var peers = config.Peers.Select(Endpoints.ToAddress).ToArray();
        var host = new NodeHost(config.Name, peers, ctx => new PingNode(ctx, pingOptions), transport, store, loggers,
            NodeHostOptions.Default with { StatsPeriod = config.StatsPeriod });
        // Our own handlers: a service manager's SIGTERM must stop the node as cleanly as Ctrl+C does.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await Console.Out.WriteLineAsync($"node {config.Name} listening on {host.Self}");
        try
        {
            await host.RunAsync(stop.Token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        await Console.Out.WriteLineAsync($"node {config.Name} stopped");
        return 0;

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }
}
