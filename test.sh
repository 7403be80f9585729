#!/usr/bin/env bash
# Runs every test of Hyperproxy. Installs the real peers the integration tests talk to
# (sipsak, SIPp, Kamailio) when they are missing, then builds and tests the solution.
# Usage: ./test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Via]
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v sipsak   >/dev/null 2>&1 || need+=(sipsak)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sipp     >/dev/null 2>&1 || need+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
dpkg -s kamailio-tls-modules >/dev/null 2>&1 || need+=(kamailio-tls-modules)
dpkg -s kamailio-redis-modules >/dev/null 2>&1 || need+=(kamailio-redis-modules)
command -v cmake    >/dev/null 2>&1 || need+=(cmake)
command -v gcc      >/dev/null 2>&1 || need+=(gcc)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl  >/dev/null 2>&1 || need+=(openssl)
command -v dnsmasq  >/dev/null 2>&1 || need+=(dnsmasq-base)
/usr/bin/python3 -c "import prometheus_client" >/dev/null 2>&1 || need+=(python3-prometheus-client)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing ${need[*]}; run as root (or install them) first" >&2
        exit 2
    fi
    echo "test.sh: installing ${need[*]}" >&2
    # Peers are started by the tests themselves; the Debian services must not start.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# A Kamailio started by the Debian package would hold port 5060.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now kamailio >/dev/null 2>&1 || true; fi

dotnet build Hyperproxy.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
set +e
dotnet test Hyperproxy.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line over all test projects.
awk '/(Passed|Failed)!  *- Failed:/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") { gsub(",", "", $(i+1)); f += $(i+1) }
            if ($i == "Passed:") { gsub(",", "", $(i+1)); p += $(i+1) }
            if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
        }
     }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$rc"
