namespace Hyperproxy.Sak.Cli;

/// <summary>Help texts.</summary>
public static class Usage
{
    public const string Version = "hypersak 0.1 (SIPSAK-compatible tester and load generator of Hyperproxy)\n";

    public const string Main = """
        hypersak: SIP tester with SIPSAK's options, and a load generator (hypersak bench)

         ping   : hypersak [-v|-vv] [-N] -s SIPURI              OPTIONS, prints the status line
         trace  : hypersak -T [-m HOPS] -s SIPURI                Max-Forwards 0,1,2,...; stops by itself
         message: hypersak -M [-B TEXT] [-O DISP] [-c FROMURI] -s SIPURI
         usrloc : hypersak -U [-b N -e M] [-x EXPIRES] [-C CONTACT] [--path URI] -s sip:user@host
                  REGISTER, MESSAGE to itself through the server (answered 200), REGISTER expires 0
         invite : hypersak -I [-U ...] -s sip:user@host          INVITE, ACK, BYE (answers itself when called)
                  with -U: register, call itself through the server following Record-Route, hang up
         random : hypersak -R [-t CHARS] [--seed N] -s SIPURI     randomly corrupted OPTIONS
                  with -e COUNT: COUNT datagrams (REGISTER/OPTIONS/INVITE, 1-CHARS trashed, default 16),
                  batched, then a clean OPTIONS must be answered (a soak: perf/randtrash.sh)
         flood  : hypersak -F [-e COUNT] -s SIPURI
         bench  : hypersak bench --target HOST:PORT ...          (hypersak bench --help)

         in every mode:
           -a PASSWORD -u AUTHUSER   answer one 401/407 with digest credentials
           -p HOST[:PORT]            outbound proxy (where requests are sent)
           -l PORT  -k LOCALIP       local port / address      -r PORT   remote port
           -H HOST                   host written in our headers
           -m NUMBER                 Max-Forwards (traceroute: hop bound, default 70)
           -Z MS  -D FACTOR          timer T1 (500) and timeout factor (64)
           -j 'Header: v\nH2: v'     extra headers             -N  Nagios output and exit codes
           -W N                      Nagios warning above N retransmissions
           --rtt-warning MS          -N: WARNING when the answer took longer than MS ms
           --rtt-critical MS         -N: CRITICAL when it took longer than MS ms
                                     (-N prints "SIP ok|warning|failure: STATUS | rtt=Xms;W;C;0
                                     retransmissions=N;W;;0", the Nagios plugin form)
           -v, -vv                   the reply / the whole exchange
           --route URI               pre-loaded Route (repeatable; requests go to the first)
           --path URI                Path header on REGISTER (repeatable)
           --hops N                  traceroute hop bound (default 70)
           -i                        no Via of ours (replies cannot come back, as in sipsak)
           -n                        this machine's FQDN instead of its address in our Via
           -d, -S                    accepted; always so: redirects are never followed, and one port
                                     (-l) both sends and receives
           -A, -z, -w, -G, -L        refused with a reason: timing runs (use bench), random binding
                                     removal, Warning IP extraction, and -G/-L need -f (not supported)

         exit codes (as sipsak): 0 a 2xx was received, 1 another final answer, 2 local error
         (bad option, URI, name), 3 remote error (no answer, ICMP error). -N: 0 ok, 1 warning, 2 failure.

        """;

    public const string Bench = """
        hypersak bench --target HOST:PORT [--scenario options|register|call] [--rate N | --window N]
                       [--duration S | --count N] [--warmup S] [--threads N] [--cpus LIST] [--batch N]
                       [--users N] [--path URI] [--expires S] [--cseq-base N] [--timeout-ms MS]
                       [--register-callee] [--route URI]... [--local IP] [--label TEXT] [--json]

          --rate N       open loop: N requests/s over all threads     --window N  closed loop (default 64/thread)
          --count N      stop after N requests (all threads)          --duration S  (default 5)
          --users N      register: distinct AoRs u<N>@target, one Call-ID each, CSeq rising run to run
          call           INVITE/180/200/ACK/BYE/200 with hypersak as caller and callee (a second socket per
                         thread); the INVITE names sip:u<N>@CALLEE-SOCKET (a stateless proxy forwards by R-URI)
                         or, with --register-callee, sip:u<N>@TARGET after REGISTERing each callee there;
                         ACK and BYE follow the Record-Route of the 200. --rate/--window count calls.
                         JSON adds calls_completed, calls_failed, call_rate, msg_rate, bye_* latencies.
          --route URI    pre-loaded Route (repeatable): every request carries the Route set and is sent to
                         the first route's address; in calls ACK/BYE follow the 200's Record-Route
          --json         one JSON object on stdout (options and machine echoed on stderr)
          exit code 0 when every request was answered, 1 otherwise.

        """;
}
