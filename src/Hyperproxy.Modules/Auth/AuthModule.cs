using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Hyperproxy.Script.Statistics;
using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Auth;

/// <summary>
/// The auth module (OpenSIPS <c>modules/auth</c>, RFC 2617 / 7616 / 8760, RFC 3261 §22): digest challenges with
/// nonces a peer cannot forge (<see cref="Nonce"/>), the verification flow shared with auth_db
/// (<c>AuthModule.Authorize.cs</c>), consume_credentials, and pv_www_authorize/pv_proxy_authorize with the
/// password in a variable. Challenges are stateless replies (sl).
/// </summary>
public sealed partial class AuthModule
{
    public const string Name = "auth";

    /// <summary>Outstanding nonces tracked per worker (a power of two; 8 bytes each).</summary>
    internal const int RingCapacity = 1 << 18;

    private readonly NonceRing?[] _rings = new NonceRing?[256];
    private readonly object _ringsLock = new();
    private int _ringCount;
    private byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private int _usernameSlot = -1;
    private int _passwordSlot = -1;
    private bool _usernameIsAvp;
    private bool _passwordIsAvp;
    private readonly PvHa1Source _pvSource;
    private readonly object _countersGate = new();
    private AuthCounters?[] _counters = new AuthCounters?[1];

    public AuthModule()
    {
        _pvSource = new PvHa1Source(this);
        Exports = new ModuleDeclaration(Name,
        [
            Function("www_challenge", 1, RouteTypes.Request, (c, a) => Challenge(c, a, proxy: false),
                Param("realm", ParameterKind.Format), Param("qop", ParameterKind.Format, QopFixup), Param("algorithms", ParameterKind.Format, AlgorithmsFixup)),
            Function("proxy_challenge", 1, RouteTypes.Request, (c, a) => Challenge(c, a, proxy: true),
                Param("realm", ParameterKind.Format), Param("qop", ParameterKind.Format, QopFixup), Param("algorithms", ParameterKind.Format, AlgorithmsFixup)),
            Function("consume_credentials", 0, RouteTypes.Request, ConsumeCredentials),
            Function("pv_www_authorize", 1, RouteTypes.Request, (c, a) => Authorize(c, a.Bytes(c, 0), proxy: false, _pvSource),
                Param("realm", ParameterKind.Format)),
            Function("pv_proxy_authorize", 1, RouteTypes.Request, (c, a) => Authorize(c, a.Bytes(c, 0), proxy: true, _pvSource),
                Param("realm", ParameterKind.Format)),
        ],
        [
            String("secret", null, v => _secret = v is null ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(v),
                v => v is null || v.Length == 32 ? null : $"secret must be exactly 32 characters (it has {v.Length})"),
            Int("nonce_expire", 30, v => NonceExpire = v, v => v is >= 1 and <= 86400 ? null : $"{v} is out of range (1..86400 seconds)"),
            Int("disable_nonce_check", 0, v => DisableNonceCheck = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            String("realm_prefix", "", v => RealmPrefix = Encoding.UTF8.GetBytes(v ?? string.Empty)),
            String("username_spec", null, v => UsernameSpec = v, v => v is null || ParseSpec(v, out _, out _) ? null : $"'{v}' is not $avp(name) or $var(name)"),
            String("password_spec", null, v => PasswordSpec = v, v => v is null || ParseSpec(v, out _, out _) ? null : $"'{v}' is not $avp(name) or $var(name)"),
            Int("calculate_ha1", 0, v => CalculateHa1 = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            Unsupported("rpid_avp", "$avp(rpid)", "append_rpid_hf()/is_rpid_user_e164() are not built; the RPID AVP cannot be moved"),
            Unsupported("rpid_prefix", "", "append_rpid_hf() is not built"),
            Unsupported("rpid_suffix", ";party=calling;id-type=subscriber;screen=yes", "append_rpid_hf() is not built"),
        ])
        {
            // OpenSIPS's auth exports no statistics; these count what authorize and the challenges did.
            Statistics =
            [
                Sum("challenges", static k => k.Challenges),
                Sum("authorized", static k => k.Authorized),
                Sum("no_credentials", static k => k.NoCredentials),
                Sum("stale_nonces", static k => k.StaleNonces),
                Sum("invalid_passwords", static k => k.InvalidPasswords),
                Sum("unknown_users", static k => k.UnknownUsers),
                Sum("rejected", static k => k.Rejected),
            ],
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>nonce_expire</c>: seconds a nonce is accepted.</summary>
    public int NonceExpire { get; private set; }

    /// <summary><c>disable_nonce_check</c>: nonces are not tracked (no replay protection).</summary>
    public bool DisableNonceCheck { get; private set; }

    public byte[] RealmPrefix { get; private set; } = [];

    public string? UsernameSpec { get; private set; }

    public string? PasswordSpec { get; private set; }

    /// <summary><c>calculate_ha1</c>: password_spec holds the plain password (else an HA1 in hex).</summary>
    public bool CalculateHa1 { get; private set; }

    /// <summary>Seconds of the process clock (nonce expiry).</summary>
    internal static uint Now => (uint)(Stopwatch.GetTimestamp() / Stopwatch.Frequency) + 1;

    /// <summary>Resolves the variables username_spec/password_spec name in a compiled script.</summary>
    public void Bind(CompiledScript script)
    {
        _usernameSlot = Resolve(script, UsernameSpec, out _usernameIsAvp);
        _passwordSlot = Resolve(script, PasswordSpec, out _passwordIsAvp);
    }

    /// <summary>The counters of the context's worker (tests).</summary>
    public static AuthCounters? CountersOf(ScriptContext context) => context.ModuleState<AuthState>().Counters;

    /// <summary>
    /// The counters of <paramref name="c"/>'s worker, kept by the module so the statistics can sum them; taken once
    /// per context (the lock is for that first use only, never on a message's way after it).
    /// </summary>
    internal AuthCounters CountersFor(ScriptContext c, AuthState st)
    {
        if (st.Counters is { } counters)
        {
            return counters;
        }

        lock (_countersGate)
        {
            int worker = Math.Max(0, c.Worker);
            if (worker >= _counters.Length)
            {
                Array.Resize(ref _counters, worker + 1);
            }

            counters = _counters[worker] ??= new AuthCounters();
        }

        st.Counters = counters;
        return counters;
    }

    private Statistic Sum(string name, Func<AuthCounters, long> field) => Statistic.SummedCounter(name, () =>
    {
        AuthCounters?[] all = Volatile.Read(ref _counters);
        long sum = 0;
        foreach (AuthCounters? k in all)
        {
            sum += k is null ? 0 : field(k);
        }

        return sum;
    });

    private static int Resolve(CompiledScript script, string? spec, out bool isAvp)
    {
        isAvp = false;
        if (spec is null || !ParseSpec(spec, out bool avp, out string name))
        {
            return -1;
        }

        isAvp = avp;
        return avp ? script.AvpSlot(name) : script.VarSlot(name);
    }

    private static bool ParseSpec(string text, out bool avp, out string name)
    {
        string t = text.Trim();
        avp = t.StartsWith("$avp(", StringComparison.Ordinal);
        name = string.Empty;
        if ((!avp && !t.StartsWith("$var(", StringComparison.Ordinal)) || !t.EndsWith(')'))
        {
            return false;
        }

        name = t[5..^1];
        foreach (char ch in name)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch != '_' && ch != '-')
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    internal ScriptValue UsernameValue(ScriptContext c) => _usernameSlot < 0 ? ScriptValue.Null : _usernameIsAvp ? c.AvpValue(_usernameSlot) : c.VarValue(_usernameSlot);

    internal ScriptValue PasswordValue(ScriptContext c) => _passwordSlot < 0 ? ScriptValue.Null : _passwordIsAvp ? c.AvpValue(_passwordSlot) : c.VarValue(_passwordSlot);

    private static readonly ParameterFixup QopFixup = c =>
        ChallengeOptions.TryParse(Encoding.UTF8.GetBytes(c.ToString()), default, out _, out string? error) ? FixupResult.Ok(null) : FixupResult.Fail(error!);

    private static readonly ParameterFixup AlgorithmsFixup = c =>
        ChallengeOptions.TryParse(default, Encoding.UTF8.GetBytes(c.ToString()), out _, out string? error) ? FixupResult.Ok(null) : FixupResult.Fail(error!);

    /// <summary>The ring of this context's worker, created (cold) on its first challenge; null when all 255 are taken.</summary>
    private NonceRing? RingOf(AuthState state)
    {
        return state.Ring ?? CreateRing(state);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private NonceRing? CreateRing(AuthState state)
    {
        lock (_ringsLock)
        {
            if (_ringCount >= 255)
            {
                return null;
            }

            var ring = new NonceRing((byte)(_ringCount + 1), RingCapacity);
            Volatile.Write(ref _rings[ring.Id], ring);
            _ringCount++;
            state.Ring = ring;
            return ring;
        }
    }
}
