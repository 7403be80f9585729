namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>
/// One running server (127.0.0.1 and [::1] on the same port, two workers) shared by the tests of a
/// class; started before the first test, stopped with SIGTERM after the last.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private HyperproxyProcess? _server;

    internal HyperproxyProcess Server => _server ?? throw new InvalidOperationException("the server is not started");

    public int Port => Server.Port;

    public async Task InitializeAsync() => _server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: true, workers: 2);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
