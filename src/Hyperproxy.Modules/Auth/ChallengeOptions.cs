using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Auth;

/// <summary>The qop and algorithms arguments of www_challenge/proxy_challenge, parsed (at start-up when constant).</summary>
internal readonly struct ChallengeOptions
{
    private ChallengeOptions(byte qop, bool authIntFirst, int algorithms)
    {
        Qop = qop;
        AuthIntFirst = authIntFirst;
        Algorithms = algorithms;
    }

    /// <summary><see cref="Nonce.QopAuth"/> | <see cref="Nonce.QopAuthInt"/>, 0 for none.</summary>
    public byte Qop { get; }

    /// <summary>Both qop values, written <c>auth-int,auth</c>.</summary>
    public bool AuthIntFirst { get; }

    /// <summary>Bit per <see cref="DigestAlgorithm"/>; 0 = one challenge without an algorithm parameter (MD5).</summary>
    public int Algorithms { get; }

    /// <summary>The qop list as it goes into the header.</summary>
    public ReadOnlySpan<byte> QopText => Qop switch
    {
        Nonce.QopAuth => "auth"u8,
        Nonce.QopAuthInt => "auth-int"u8,
        _ => AuthIntFirst ? "auth-int,auth"u8 : "auth,auth-int"u8,
    };

    /// <summary>
    /// Parses a qop list (<c>""</c>, <c>auth</c>, <c>auth-int</c>, both comma-separated) and an algorithm list
    /// (MD5, MD5-sess, SHA-256, SHA-256-sess, any case); a -sess or SHA algorithm without qop forces qop auth.
    /// False with <paramref name="error"/> for anything else.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> qop, ReadOnlySpan<byte> algorithms, out ChallengeOptions options, out string? error)
    {
        options = default;
        error = null;
        byte bits = 0;
        bool authIntFirst = false;
        foreach (Range r in qop.Split((byte)','))
        {
            ReadOnlySpan<byte> t = qop[r].Trim((byte)' ');
            if (t.IsEmpty && qop.Trim((byte)' ').IsEmpty)
            {
                break;
            }

            if (System.Text.Ascii.EqualsIgnoreCase(t, "auth"u8))
            {
                bits |= Nonce.QopAuth;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(t, "auth-int"u8))
            {
                authIntFirst |= bits == 0;
                bits |= Nonce.QopAuthInt;
            }
            else
            {
                error = $"qop '{System.Text.Encoding.UTF8.GetString(qop)}' is not auth, auth-int or both (comma-separated)";
                return false;
            }
        }

        int algs = 0;
        foreach (Range r in algorithms.Split((byte)','))
        {
            ReadOnlySpan<byte> t = algorithms[r].Trim((byte)' ');
            if (t.IsEmpty)
            {
                if (algorithms.Trim((byte)' ').IsEmpty)
                {
                    break;
                }

                error = "an empty name in the algorithm list";
                return false;
            }

            if (!DigestAlgorithms.TryParse(t, out DigestAlgorithm a))
            {
                string name = System.Text.Encoding.UTF8.GetString(t);
                error = name.StartsWith("SHA-512-256", StringComparison.OrdinalIgnoreCase)
                    ? $"algorithm '{name}' (SHA-512/256) is not supported by Hyperproxy; use SHA-256, SHA-256-sess, MD5 or MD5-sess"
                    : $"unknown algorithm '{name}' (MD5, MD5-sess, SHA-256, SHA-256-sess)";
                return false;
            }

            algs |= 1 << (int)a;
        }

        if (bits == 0 && (algs & ~(1 << (int)DigestAlgorithm.Md5)) != 0)
        {
            bits = Nonce.QopAuth;
        }

        options = new ChallengeOptions(bits, authIntFirst && bits == (Nonce.QopAuth | Nonce.QopAuthInt), algs);
        return true;
    }
}
