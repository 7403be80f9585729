namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>A throw-away CA and a server certificate it signed (CN=localhost, SAN 127.0.0.1), made with the real openssl.</summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCertificate => Path.Combine(Directory, "ca.pem");

    public string Certificate => Path.Combine(Directory, "cert.pem");

    public string Key => Path.Combine(Directory, "key.pem");

    public static async Task<TestCertificates> CreateAsync()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hp-tls-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        var certs = new TestCertificates(dir);
        TimeSpan bound = TimeSpan.FromSeconds(30);
        string[][] steps =
        [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Hyperproxy Test CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out", "cert.csr",
                "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "cert.pem", "-days", "2",
                "-extfile", "san.ext"],
        ];
        await File.WriteAllTextAsync(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        foreach (string[] step in steps)
        {
            ToolResult r = await ToolRun.RunAsync("openssl", step, bound, dir);
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException("openssl failed: " + r);
            }
        }

        return certs;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
