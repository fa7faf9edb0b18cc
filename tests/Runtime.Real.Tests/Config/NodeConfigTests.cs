using VinzVault.Runtime.Real.Config;

namespace VinzVault.Runtime.Real.Tests.Config;

public sealed class NodeConfigTests
{
    private const string Valid = """{ "name": "h1", "listen": "127.0.0.1:7001", "peers": ["127.0.0.1:7002"], "dataDir": "data", "protocol": "ping", "pingPeriod": "500ms" }""";

    [Fact]
    public void ValidConfigResolvesDataDirAgainstTheFileDirectory()
    {
        var (config, error) = NodeConfig.Parse(Valid, "/etc/vinzvault");

        Assert.Null(error);
        Assert.Equal("h1", config!.Name);
        Assert.Equal(7001, config.Listen.Port);
        Assert.Equal(7002, Assert.Single(config.Peers).Port);
        Assert.Equal("/etc/vinzvault/data", config.DataDir);
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.PingPeriod);
    }

    [Theory]
    [InlineData("""{ "listen": "127.0.0.1:7001", "dataDir": "d" }""", "'name'")]
    [InlineData("""{ "name": "h1", "listen": "localhost", "dataDir": "d" }""", "'listen'")]
    [InlineData("""{ "name": "h1", "listen": "127.0.0.1:7001", "dataDir": "d", "peers": ["127.0.0.1:7002", "x"] }""", "'peers[1]'")]
    [InlineData("""{ "name": "h1", "listen": "127.0.0.1:7001", "dataDir": "d", "pingPeriod": "1h" }""", "'pingPeriod'")]
    [InlineData("""{ "name": "h1", "listen": "127.0.0.1:7001", "dataDir": "d", "protocol": "raft" }""", "'protocol'")]
    [InlineData("""{ "name": "h1", "listen": "127.0.0.1:7001", "dataDir": "d", "peer": [] }""", "'peer': unknown field")]
    public void ErrorsNameTheField(string json, string field)
    {
        var (config, error) = NodeConfig.Parse(json, "/tmp");

        Assert.Null(config);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }
}
