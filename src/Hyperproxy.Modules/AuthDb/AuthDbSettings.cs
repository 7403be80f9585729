namespace Hyperproxy.Modules.AuthDb;

/// <summary>auth_db's column and behaviour modparams, as stored from its table.</summary>
public sealed class AuthDbSettings
{
    public string DbUrl { get; set; } = string.Empty;

    public string UserColumn { get; set; } = "username";

    public string DomainColumn { get; set; } = "domain";

    public string PasswordColumn { get; set; } = "ha1";

    public string Sha256Column { get; set; } = "ha1_sha256";

    public bool CalculateHa1 { get; set; }

    public bool UseDomain { get; set; }

    public string LoadCredentials { get; set; } = "rpid";

    public bool SkipVersionCheck { get; set; }

    public string UriUserColumn { get; set; } = "username";

    public string UriDomainColumn { get; set; } = "domain";

    public string UriUriUserColumn { get; set; } = "uri_user";
}
