namespace Hyperproxy.Modules.AuthDb;

/// <summary>
/// The seam between auth_db and where subscribers live: a table loaded from db_text today, a store shared by a
/// cluster later. Called on worker threads for every authorize: no blocking, no allocation.
/// </summary>
public interface ICredentialStore
{
    /// <summary>Whether the store keeps a SHA-256 secret column (else SHA-256 credentials are a backend error, 500).</summary>
    bool HasSha256 { get; }

    /// <summary>The subscriber with this user (and domain, unless <paramref name="domain"/> is empty), case-insensitive; null when none.</summary>
    CredentialEntry? Find(ReadOnlySpan<byte> user, ReadOnlySpan<byte> domain);
}
