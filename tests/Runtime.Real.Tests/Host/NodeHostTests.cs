using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Ping;
using VinzVault.Protocol.Wire;
using VinzVault.Runtime.Real.Host;
using VinzVault.Runtime.Real.Net;
using VinzVault.Runtime.Real.Storage;
using VinzVault.Runtime.Real.Tests.Support;

namespace VinzVault.Runtime.Real.Tests.Host;

public sealed class NodeHostTests
{
    private readonly TestLog _log = new();

    /// <summary>A PingNode hosted in-process on a loopback port the OS picks.</summary>
    private sealed class Running : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly string _dir = Eventually.TempDirectory();
        private readonly Task _run;

        public Running(string name, IReadOnlyList<Address> peers, TestLog log)
        {
            var loggers = log.Factory();
            var transport = TcpTransport.Bind(new IPEndPoint(IPAddress.Loopback, 0), TransportOptions.Default, loggers.CreateLogger(name));
            var store = new FileStore(_dir, loggers.CreateLogger(name));
            Host = new NodeHost(name, peers, ctx => new PingNode(ctx, new PingOptions(Micros.FromMillis(50))), transport, store, loggers,
                NodeHostOptions.Default with { StatsPeriod = TimeSpan.Zero, Seed = 1 });
            _run = Host.RunAsync(_stop.Token);
        }

        public NodeHost Host { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task BadConnectionsAreClosedWhileAWellBehavedPeerKeepsGettingPongs()
    {
        await using var server = new Running("server", [], _log);
        await using var client = new Running("client", [server.Host.Self], _log);
        await Eventually.Until(() => client.Host.Received(MessageTag.Pong) > 0, "a first pong");

        await SendAndExpectClose(server.Host.Self, Frame([0xEE, 1, 2]));
        await SendAndExpectClose(server.Host.Self, Header(Codec.MaxMessageBytes + 1));
        await SendAndExpectClose(server.Host.Self, [.. Header(100), .. new byte[10]]);
        await SendAndExpectClose(server.Host.Self, "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), preface: false);

        long pongs = client.Host.Received(MessageTag.Pong);
        await Eventually.Until(() => client.Host.Received(MessageTag.Pong) > pongs + 3, "more pongs after the bad connections");
        Assert.True(_log.Contains("unknown message tag 238"));
        Assert.True(_log.Contains($"frame of {Codec.MaxMessageBytes + 1} bytes exceeds the limit"));
        Assert.True(_log.Contains("closed inside a frame of 100 bytes after 10 bytes"));
        Assert.True(_log.Contains("bad preface magic"));
    }

    private static byte[] Header(int length)
    {
        var header = new byte[Framing.HeaderBytes];
        Framing.WriteHeader(header, length);
        return header;
    }

    private static byte[] Frame(byte[] payload) => [.. Header(payload.Length), .. payload];

    /// <summary>Sends the bytes (after a valid preface) and half-closes, then waits for the host to close the connection.</summary>
    private static async Task SendAndExpectClose(Address to, byte[] bytes, bool preface = true)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Endpoints.ToEndPoint(to));
        if (preface)
        {
            var head = new byte[Framing.PrefaceBytes];
            Framing.WritePreface(head, new Address(BinaryPrimitives.ReadUInt64BigEndian([0, 0, 127, 0, 0, 1, 0, 9])));
            await socket.SendAsync(head);
        }
        await socket.SendAsync(bytes);
        socket.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(Eventually.Timeout);
        try
        {
            while (await socket.ReceiveAsync(new byte[16], timeout.Token) > 0)
            {
                // The host never answers on an incoming connection; keep reading until it closes.
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
    }
}
