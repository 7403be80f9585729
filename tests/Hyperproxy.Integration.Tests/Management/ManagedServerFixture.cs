namespace Hyperproxy.Integration.Tests.Management;

/// <summary>One managed server shared by the tests of a class (they run one at a time).</summary>
public sealed class ManagedServerFixture : IAsyncLifetime
{
    private ManagedServer? _server;

    internal ManagedServer Server => _server ?? throw new InvalidOperationException("the server is not started");

    public async Task InitializeAsync() => _server = await ManagedServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
