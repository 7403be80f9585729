using System.Globalization;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>
/// The flags of nat_uac_test() and fix_nated_sdp(), decoded once at start-up: OpenSIPS ≤ 3.3's integer bit
/// mask or 3.4's comma-separated names. An unknown name or a bit outside the table is a start-up error.
/// </summary>
public static class NatFlags
{
    private static readonly (string Name, int Bit)[] s_tests =
    [
        ("private-contact", 1), ("diff-ip-src-via", 2), ("private-via", 4), ("private-sdp", 8), ("diff-port-src-via", 16),
        ("diff-ip-src-contact", 32), ("diff-port-src-contact", 64), ("carrier-grade-nat", 128),
    ];

    private static readonly (string Name, int Bit)[] s_sdp =
    [
        ("add-dir-active", 1), ("rewrite-media-ip", 2), ("add-no-rtpproxy", 4), ("rewrite-origin-ip", 8), ("rewrite-null-ips", 16),
    ];

    public static bool TryParseTests(string text, out NatTest tests, out string error)
    {
        bool ok = TryParse(text, s_tests, 255, "nat_uac_test", out int bits, out error);
        tests = (NatTest)bits;
        return ok;
    }

    public static bool TryParseSdp(string text, out SdpFix fixes, out string error)
    {
        bool ok = TryParse(text, s_sdp, 31, "fix_nated_sdp", out int bits, out error);
        fixes = (SdpFix)bits;
        return ok;
    }

    private static bool TryParse(string text, (string Name, int Bit)[] table, int all, string function, out int bits, out string error)
    {
        bits = 0;
        error = string.Empty;
        string t = text.Trim();
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            if ((number & ~all) != 0 || number == 0)
            {
                error = $"{function}: flags {number} name no test (known bits: {Describe(table)})";
                return false;
            }

            bits = number;
            return true;
        }

        foreach (string raw in t.Split(','))
        {
            string name = raw.Trim();
            int bit = 0;
            foreach ((string n, int b) in table)
            {
                if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
                {
                    bit = b;
                    break;
                }
            }

            if (bit == 0)
            {
                error = $"{function}: unknown flag '{name}' (known: {Describe(table)})";
                return false;
            }

            bits |= bit;
        }

        return true;
    }

    private static string Describe((string Name, int Bit)[] table)
    {
        var parts = new string[table.Length];
        for (int i = 0; i < table.Length; i++)
        {
            parts[i] = table[i].Name + "=" + table[i].Bit.ToString(CultureInfo.InvariantCulture);
        }

        return string.Join(", ", parts);
    }
}
