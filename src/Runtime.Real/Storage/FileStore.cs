using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using VinzVault.Protocol.Node;

namespace VinzVault.Runtime.Real.Storage;

/// <summary>Receives the completion of a disk operation submitted with its id.</summary>
public delegate ValueTask DiskSink(long id, DiskResult result);

/// <summary>
/// Carries out a node's <see cref="DiskOp"/>s on real files, one file per <see cref="DiskOp.File"/>
/// under a data directory. One worker runs the operations in submission order, off the node loop, so a
/// Write followed by a Sync is synced after it is written. I/O errors become failed results, never
/// exceptions. A Sync also syncs the directory when a file was created or deleted since the last one,
/// so a synced file cannot vanish in a power loss.
/// </summary>
public sealed partial class FileStore : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Channel<(long Id, DiskOp Op)> _queue = Channel.CreateUnbounded<(long, DiskOp)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<ulong, SafeFileHandle> _open = [];
    private Task _worker = Task.CompletedTask;
    private bool _directoryDirty;

    public FileStore(string directory, ILogger logger)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
    }

    /// <summary>Creates the data directory if needed and starts the worker; completions go to <paramref name="sink"/>.</summary>
    public void Start(DiskSink sink)
    {
        Directory.CreateDirectory(_directory);
        _worker = Task.Run(() => RunAsync(sink), CancellationToken.None);
    }

    /// <summary>Queues an operation; never blocks. Called from the node loop.</summary>
    public void Submit(long id, DiskOp op) => _queue.Writer.TryWrite((id, op));

    public string PathOf(ulong file) => Path.Combine(_directory, file.ToString("x16", CultureInfo.InvariantCulture) + ".dat");

    private async Task RunAsync(DiskSink sink)
    {
        try
        {
            await foreach (var (id, op) in _queue.Reader.ReadAllAsync())
            {
                var result = Execute(op);
                if (!result.Ok) LogFailed(_logger, op.Kind, op.File, result.Error);
                try
                {
                    await sink(id, result);
                }
                catch (OperationCanceledException)
                {
                    // The node loop has stopped: the operation is done, its completion has no reader.
                }
            }
        }
        finally
        {
            foreach (var handle in _open.Values) handle.Dispose();
            _open.Clear();
        }
    }

    private DiskResult Execute(DiskOp op)
    {
        if (op.Offset < 0) return new(false, Error: $"{op.Kind} at negative offset {op.Offset}");
        try
        {
            switch (op.Kind)
            {
                case DiskOpKind.Read:
                    return Read(op);
                case DiskOpKind.Write:
                    if (op.Data is null) return new(false, Error: "write without data");
                    RandomAccess.Write(Open(op.File, create: true)!, op.Data, op.Offset);
                    return new(true);
                case DiskOpKind.Sync:
                    if (Open(op.File, create: false) is { } handle) RandomAccess.FlushToDisk(handle);
                    if (_directoryDirty) SyncDirectory();
                    return new(true);
                case DiskOpKind.Delete:
                    if (_open.Remove(op.File, out var open)) open.Dispose();
                    if (File.Exists(PathOf(op.File)))
                    {
                        File.Delete(PathOf(op.File));
                        _directoryDirty = true;
                    }
                    return new(true);
                default:
                    return new(false, Error: $"unknown disk operation {op.Kind}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(false, Error: $"{op.Kind} of {PathOf(op.File)}: {e.Message}");
        }
    }

    /// <summary>Reads up to Length bytes: fewer at the end of the file, null from past its end or when it does not exist.</summary>
    private DiskResult Read(DiskOp op)
    {
        if (op.Length < 0) return new(false, Error: $"read of negative length {op.Length}");
        var handle = Open(op.File, create: false);
        if (handle is null) return new(true);
        long available = RandomAccess.GetLength(handle) - op.Offset;
        if (available <= 0) return new(true);
        var data = new byte[(int)Math.Min(op.Length, available)];
        int total = 0;
        while (total < data.Length)
        {
            int n = RandomAccess.Read(handle, data.AsSpan(total), op.Offset + total);
            if (n == 0) break;
            total += n;
        }
        return new(true, total == data.Length ? data : data[..total]);
    }

    private SafeFileHandle? Open(ulong file, bool create)
    {
        if (_open.TryGetValue(file, out var handle)) return handle;
        var path = PathOf(file);
        bool exists = File.Exists(path);
        if (!exists && !create) return null;
        handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (!exists) _directoryDirty = true;
        _open.Add(file, handle);
        return handle;
    }

    /// <summary>fsync of the directory makes file creations and deletions durable (POSIX needs it; .NET has no API).</summary>
    private void SyncDirectory()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) { _directoryDirty = false; return; }
        int fd = Posix.Open(_directory, 0);
        if (fd < 0) throw new IOException($"open of directory {_directory} for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Posix.Fsync(fd) != 0) throw new IOException($"fsync of directory {_directory} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Posix.Close(fd);
        }
        _directoryDirty = false;
    }

    /// <summary>Lets queued operations finish (their completions may find the node gone), then closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "disk {Kind} of file {File} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, DiskOpKind kind, ulong file, string? error);

    private static partial class Posix
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
