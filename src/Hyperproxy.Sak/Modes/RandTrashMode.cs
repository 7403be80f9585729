using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -R: OPTIONS with 1, 2, 3, ... randomly corrupted characters (position and byte from --seed),
/// each sent once and given 4 x T1 to be answered. Stops at -t characters (default: the request
/// length) or after <see cref="UnansweredLimit"/> unanswered requests in a row, then checks with
/// a clean OPTIONS whether the server is still alive, and reports where it stopped.
/// </summary>
public static class RandTrashMode
{
    public const int UnansweredLimit = 3;

    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        int seed = ua.Options.Seed != 0 ? ua.Options.Seed : Environment.TickCount & int.MaxValue;
        var random = new Random(seed);
        SipRequest request = ua.NewRequest("OPTIONS", ua.Target.Uri, ua.Target.Uri);
        int length = request.Build(ua.ViaSentBy, ua.NewBranch()).Length;
        int bound = ua.Options.TrashChars > 0 ? ua.Options.TrashChars : length;
        stdout.WriteLine($"randtrash: seed {seed}, up to {bound} trashed characters in a {length}-byte OPTIONS");
        var classes = new int[7];
        int unanswered = 0;
        int waitMs = ua.Options.TimerT1Ms * 4;
        byte[] buffer = new byte[65536];
        int n;
        for (n = 1; n <= bound; n++)
        {
            request.CSeq = (uint)n;
            byte[] datagram = request.Build(ua.ViaSentBy, ua.NewBranch());
            for (int k = 0; k < n; k++)
                datagram[random.Next(datagram.Length)] = (byte)random.Next(1, 256);
            int status;
            try
            {
                ua.Socket.Send(datagram);
                status = AwaitAnswer(ua, buffer, (uint)n, waitMs);
            }
            catch (SakException e)
            {
                stdout.WriteLine($"randtrash: the server went away at {n} trashed characters ({e.Message})");
                return ExitCodes.RemoteError;
            }
            if (ua.Options.Verbosity >= 1)
                stdout.WriteLine($"{n}: {(status == 0 ? "no answer" : status.ToString(CultureInfo.InvariantCulture))}");
            if (status == 0)
            {
                if (++unanswered >= UnansweredLimit)
                    break;
                continue;
            }
            unanswered = 0;
            classes[Math.Clamp(status / 100, 1, 6)]++;
        }
        stdout.WriteLine($"answers: 1xx {classes[1]}, 2xx {classes[2]}, 3xx {classes[3]}, 4xx {classes[4]}, 5xx {classes[5]}, 6xx {classes[6]}");
        if (n > bound)
        {
            stdout.WriteLine($"randtrash: reached the bound of {bound} trashed characters; the server kept answering");
            return ExitCodes.Ok;
        }
        stdout.WriteLine($"randtrash: {UnansweredLimit} requests in a row unanswered, the last with {n} trashed characters");
        TransactionResult clean;
        try
        {
            clean = ua.Send(ua.NewRequest("OPTIONS", ua.Target.Uri, ua.Target.Uri));
        }
        catch (SakException e)
        {
            stdout.WriteLine($"randtrash: the server went away ({e.Message})");
            return ExitCodes.RemoteError;
        }
        if (clean.TimedOut)
        {
            stdout.WriteLine("randtrash: the server does not answer a clean OPTIONS any more");
            return ExitCodes.RemoteError;
        }
        stdout.WriteLine("randtrash: the server still answers a clean OPTIONS: " + clean.Final!.StartLine);
        return ExitCodes.Ok;
    }

    /// <summary>The status of the first response for CSeq <paramref name="cseq"/> (or unparsable CSeq), 0 on timeout.</summary>
    private static int AwaitAnswer(UserAgent ua, byte[] buffer, uint cseq, int waitMs)
    {
        long start = Stopwatch.GetTimestamp();
        var message = new SipMessage();
        while (true)
        {
            int left = waitMs - (int)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (left <= 0)
                return 0;
            int got = ua.Socket.Receive(buffer, left);
            if (got == 0)
                return 0;
            if (message.Parse(buffer, 0, got) != SipError.None)
            {
                // An answer we cannot parse is still an answer; take its status digits if present.
                if (got > 12 && buffer.AsSpan(0, 8).SequenceEqual("SIP/2.0 "u8)
                    && int.TryParse(Encoding.ASCII.GetString(buffer, 8, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int s))
                    return s;
                continue;
            }
            if (message.IsRequest)
                continue;
            if (message.CSeqNumber == cseq || message.CSeqNumber == 0)
                return message.StatusCode;
        }
    }
}
