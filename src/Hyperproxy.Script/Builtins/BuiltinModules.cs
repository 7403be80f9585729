using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Script.Builtins;

/// <summary>Registers everything Hyperproxy.Script knows without the Modules project.</summary>
public static class BuiltinModules
{
    public static void RegisterAll(FunctionRegistry registry)
    {
        registry.RegisterModule(CoreModule.Create());
        registry.RegisterModule(ModulesOfIssue.Sl());
        registry.RegisterModule(ModulesOfIssue.Signaling());
        registry.RegisterModule(ModulesOfIssue.Maxfwd());
        registry.RegisterModule(ModulesOfIssue.Sipmsgops());
        foreach (var placeholder in Placeholders())
            registry.RegisterModule(placeholder);
    }

    /// <summary>
    /// Modules whose names and modparams are known but whose functions arrive with their
    /// own issue (rr, path, registrar, usrloc, tm, ...) or which need none (transports,
    /// management). Until then their functions are "unknown function" errors.
    /// </summary>
    public static IEnumerable<ModuleDeclaration> Placeholders()
    {
        yield return new ModuleDeclaration("rr", [],
        [
            Int("append_fromtag", 1), Int("enable_double_rr", 1), Int("add_username", 0), Int("enable_socket_mismatch_warning", 1),
        ], isPlaceholder: true);
        yield return new ModuleDeclaration("path", [], [Int("use_received", 0), Int("enable_double_path", 1)], isPlaceholder: true);
        yield return new ModuleDeclaration("registrar", [],
        [
            Int("default_expires", 3600), Int("min_expires", 60), Int("max_expires", 0), Int("default_q", -1),
            Int("case_sensitive", 1), String("tcp_persistent_flag", null), String("realm_prefix", string.Empty),
            String("received_avp", null), String("received_param", "received"), Int("max_contacts", 0),
            Int("retry_after", 0), String("sock_hdr_name", null), Int("allow_dup_cseq", 1),
            Int("expires_max_deviation", 0), String("gruu_secret", "0p3nS1pS"), Int("disable_gruu", 1),
        ], isPlaceholder: true);
        yield return new ModuleDeclaration("usrloc", [],
        [
            String("nat_bflag", null), String("working_mode_preset", null), Int("db_mode", 0), Int("use_domain", 0),
            Int("timer_interval", 60), Int("hash_size", 9), String("db_url", null),
        ], isPlaceholder: true);
        yield return new ModuleDeclaration("tm", [],
        [
            Int("fr_timeout", 5), Int("fr_inv_timeout", 120), Int("restart_fr_on_each_reply", 1), Int("onreply_avp_mode", 0),
            Int("wt_timer", 5), String("minor_branch_flag", null),
        ], isPlaceholder: true);
        yield return new ModuleDeclaration("proto_udp", [], [Int("udp_port", 5060)], isPlaceholder: true);
        yield return new ModuleDeclaration("proto_tcp", [], [Int("tcp_port", 5060)], isPlaceholder: true);
        yield return new ModuleDeclaration("mi_fifo", [], [String("fifo_name", "/tmp/opensips_fifo"), Int("fifo_mode", 0x1b6)], isPlaceholder: true);
        yield return new ModuleDeclaration("mi_http", [], [Int("mi_http_port", 8888)], isPlaceholder: true);
        yield return new ModuleDeclaration("httpd", [], [Int("port", 8888), String("ip", null)], isPlaceholder: true);
    }
}
