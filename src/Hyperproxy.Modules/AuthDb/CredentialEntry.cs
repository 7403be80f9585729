namespace Hyperproxy.Modules.AuthDb;

/// <summary>
/// One subscriber as a credentials store holds it: the secret per hash (an HA1 in hex, or the plain password when
/// <c>calculate_ha1</c> is set; null when the row has none) and the values load_credentials copies into AVPs.
/// Never logged.
/// </summary>
public sealed class CredentialEntry
{
    public CredentialEntry(byte[] user, byte[] domain, byte[]? md5Secret, byte[]? sha256Secret, byte[]?[] loaded)
    {
        User = user;
        Domain = domain;
        Md5Secret = md5Secret;
        Sha256Secret = sha256Secret;
        Loaded = loaded;
    }

    public byte[] User { get; }

    public byte[] Domain { get; }

    public byte[]? Md5Secret { get; }

    public byte[]? Sha256Secret { get; }

    /// <summary>Per load_credentials item, the column's value (null = NULL).</summary>
    public byte[]?[] Loaded { get; }

    public override string ToString() => $"{System.Text.Encoding.UTF8.GetString(User)}@{System.Text.Encoding.UTF8.GetString(Domain)}";
}
