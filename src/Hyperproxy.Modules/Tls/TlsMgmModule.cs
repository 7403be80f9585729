using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Text;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Tls;

/// <summary>
/// tls_mgm (OpenSIPS 3.x <c>modules/tls_mgm</c>): TLS domains from modparams. <c>server_domain</c>/<c>client_domain</c>
/// declare a domain by name; every other attribute is written <c>"[name]value"</c> and must name a declared domain
/// (a value without a domain is an error, as in OpenSIPS). The server loads the files at start-up.
/// </summary>
public sealed class TlsMgmModule
{
    public const string Name = "tls_mgm";

    private static readonly string[] s_attributes =
        ["certificate", "private_key", "ca_list", "tls_method", "verify_cert", "require_cert", "match_ip_address", "match_sip_domain"];

    private static readonly string[] s_methods = ["SSLv23", "TLSv1", "TLSv1_2", "TLSv1_3"];

    private readonly List<TlsDomainSettings> _domains = [];

    public TlsMgmModule()
    {
        var parameters = new List<ModuleParameterDeclaration>
        {
            String("server_domain", null, _ => { }),
            String("client_domain", null, _ => { }),
        };
        foreach (string attribute in s_attributes)
        {
            parameters.Add(String(attribute, null, _ => { }));
        }

        Exports = new ModuleDeclaration(Name, [], [.. parameters]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary>The domains of the loaded script, in declaration order.</summary>
    public IReadOnlyList<TlsDomainSettings> Domains => _domains;

    /// <summary>Reads every tls_mgm modparam line in order; a bad one throws <see cref="ModuleParameterException"/> at its position.</summary>
    public void Configure(ScriptProgram program)
    {
        _domains.Clear();
        foreach (ModuleParameterValue p in program.ModuleParameters)
        {
            if (p.Module.Name != Name)
            {
                continue;
            }

            string name = p.Parameter.Name;
            string value = p.Value as string ?? Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            if (name is "server_domain" or "client_domain")
            {
                if (value.Trim().Length == 0 || Find(value.Trim()) is not null)
                {
                    throw Error(p, value.Trim().Length == 0 ? "empty domain name" : $"TLS domain [{value.Trim()}] declared twice");
                }

                _domains.Add(new TlsDomainSettings(value.Trim(), name == "server_domain", p.Location));
                continue;
            }

            string text = value.TrimStart();
            int close = text.IndexOf(']');
            if (!text.StartsWith('[') || close < 2)
            {
                throw Error(p, $"'{value}': expected \"[domain]value\" (a value without a domain is an error)");
            }

            string domainName = text[1..close];
            string attribute = text[(close + 1)..].Trim();
            TlsDomainSettings domain = Find(domainName) ?? throw Error(p, $"TLS domain [{domainName}] not defined; declare it with server_domain or client_domain first");
            if (attribute.Length == 0)
            {
                throw Error(p, $"'{value}': no value after [{domainName}]");
            }

            switch (name)
            {
                case "certificate":
                    domain.Certificate = (attribute, p.Location);
                    break;
                case "private_key":
                    domain.PrivateKey = (attribute, p.Location);
                    break;
                case "ca_list":
                    domain.CaList = (attribute, p.Location);
                    break;
                case "tls_method":
                    if (!IsMethod(attribute))
                    {
                        throw Error(p, $"tls_method '{attribute}': expected SSLv23, TLSv1, TLSv1_2, TLSv1_3 or a range such as TLSv1_2-");
                    }

                    domain.TlsMethod = attribute;
                    break;
                case "verify_cert" or "require_cert":
                    if (attribute is not ("0" or "1"))
                    {
                        throw Error(p, $"{name} '{attribute}': expected 0 or 1");
                    }

                    if (name == "verify_cert")
                    {
                        domain.VerifyCert = attribute == "1";
                    }
                    else
                    {
                        domain.RequireCert = attribute == "1";
                    }

                    break;
                case "match_ip_address":
                    domain.MatchIpAddresses.AddRange(Split(attribute));
                    break;
                case "match_sip_domain":
                    domain.MatchSipDomains.AddRange(Split(attribute));
                    break;
            }
        }
    }

    private TlsDomainSettings? Find(string name)
    {
        foreach (TlsDomainSettings d in _domains)
        {
            if (d.Name == name)
            {
                return d;
            }
        }

        return null;
    }

    private static IEnumerable<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsMethod(string text)
    {
        int dash = text.IndexOf('-');
        if (dash < 0)
        {
            return Array.IndexOf(s_methods, text) >= 0;
        }

        string low = text[..dash];
        string high = text[(dash + 1)..];
        return (low.Length == 0 || Array.IndexOf(s_methods, low) >= 0) && (high.Length == 0 || Array.IndexOf(s_methods, high) >= 0);
    }

    private static ModuleParameterException Error(ModuleParameterValue p, string message) =>
        new(new ScriptDiagnostic(p.Location, $"modparam {Name} {p.Parameter.Name}: {message}"));
}
