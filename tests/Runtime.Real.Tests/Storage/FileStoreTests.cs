using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using VinzVault.Protocol.Node;
using VinzVault.Runtime.Real.Storage;
using VinzVault.Runtime.Real.Tests.Support;

namespace VinzVault.Runtime.Real.Tests.Storage;

public sealed class FileStoreTests : IDisposable
{
    private readonly string _dir = Eventually.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A started store and the completions it reports.</summary>
    private sealed class Running : IAsyncDisposable
    {
        private readonly Channel<(long Id, DiskResult Result)> _done = Channel.CreateUnbounded<(long, DiskResult)>();
        private long _next;

        public Running(string dir)
        {
            Store = new FileStore(dir, NullLogger.Instance);
            Store.Start((id, result) => _done.Writer.WriteAsync((id, result)));
        }

        public FileStore Store { get; }

        public async Task<DiskResult> Run(DiskOp op)
        {
            long id = ++_next;
            Store.Submit(id, op);
            using var timeout = new CancellationTokenSource(Eventually.Timeout);
            var (doneId, result) = await _done.Reader.ReadAsync(timeout.Token);
            Assert.Equal(id, doneId);
            return result;
        }

        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }

    [Fact]
    public async Task SyncedWritesReadBackAfterReopening()
    {
        await using (var store = new Running(_dir))
        {
            Assert.True((await store.Run(new DiskOp(DiskOpKind.Write, 7, 3, [1, 2, 3, 4]))).Ok);
            Assert.True((await store.Run(new DiskOp(DiskOpKind.Sync, 7))).Ok);
        }
        await using (var store = new Running(_dir))
        {
            var read = await store.Run(new DiskOp(DiskOpKind.Read, 7, 0, null, 7));
            Assert.True(read.Ok);
            Assert.Equal(new byte[] { 0, 0, 0, 1, 2, 3, 4 }, read.Data);
        }
    }

    [Fact]
    public async Task ReadsPastTheEndAreShortOrEmpty()
    {
        await using var store = new Running(_dir);
        await store.Run(new DiskOp(DiskOpKind.Write, 1, 0, [9, 8, 7]));

        var shortRead = await store.Run(new DiskOp(DiskOpKind.Read, 1, 1, null, 10));
        var pastEnd = await store.Run(new DiskOp(DiskOpKind.Read, 1, 100, null, 4));
        var missing = await store.Run(new DiskOp(DiskOpKind.Read, 2, 0, null, 4));

        Assert.Equal(new byte[] { 8, 7 }, shortRead.Data);
        Assert.True(pastEnd.Ok);
        Assert.Null(pastEnd.Data);
        Assert.True(missing.Ok);
        Assert.Null(missing.Data);
        Assert.False(File.Exists(store.Store.PathOf(2)));
    }

    [Fact]
    public async Task DeleteRemovesTheFile()
    {
        await using var store = new Running(_dir);
        await store.Run(new DiskOp(DiskOpKind.Write, 5, 0, [1]));
        await store.Run(new DiskOp(DiskOpKind.Sync, 5));

        Assert.True((await store.Run(new DiskOp(DiskOpKind.Delete, 5))).Ok);
        Assert.True((await store.Run(new DiskOp(DiskOpKind.Sync, 5))).Ok);

        Assert.False(File.Exists(store.Store.PathOf(5)));
        Assert.Null((await store.Run(new DiskOp(DiskOpKind.Read, 5, 0, null, 1))).Data);
    }

    [Fact]
    public async Task IoErrorsBecomeFailedResults()
    {
        await using var store = new Running(_dir);
        Directory.CreateDirectory(store.Store.PathOf(3));

        var write = await store.Run(new DiskOp(DiskOpKind.Write, 3, 0, [1]));
        var noData = await store.Run(new DiskOp(DiskOpKind.Write, 4, 0, null));

        Assert.False(write.Ok);
        Assert.Contains(store.Store.PathOf(3), write.Error, StringComparison.Ordinal);
        Assert.False(noData.Ok);
        Assert.Equal("write without data", noData.Error);
    }
}
