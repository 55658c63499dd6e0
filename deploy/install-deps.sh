#!/usr/bin/env bash
# Installs what otwatch needs from Debian 12 packages (as root).
#   deploy/install-deps.sh          build and run: compiler, CMake, libraries
#   deploy/install-deps.sh --test   also what the test suite uses (cmocka,
#                                   tshark, clang for fuzzing, iproute2, ...)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libpcap-dev libndpi-dev libmodbus-dev
            libnet1-dev libsqlite3-dev libyaml-dev libgnutls28-dev nettle-dev ieee-data libmicrohttpd-dev libsodium-dev)
test_pkgs=(libcmocka-dev tshark tcpdump libndpi-bin clang libclang-rt-14-dev clang-format iproute2 jq
           python3 time sqlite3 procps nftables curl chromium nodejs npm
           fonts-noto-cjk # tests/live/report_chromium: Japanese text in the rendered report
           vsftpd inetutils-telnetd openbsd-inetd mosquitto mosquitto-clients snmpd # tests/live/creds_live
           rsyslog rsyslog-gnutls gnutls-bin) # tests/live/siem_rsyslog: a real collector

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${test_pkgs[@]}")

# Tools some machines carry from elsewhere (Node.js from its own packages,
# whose nodejs conflicts with Debian's npm): a working command is enough.
declare -A provides=([nodejs]=node [npm]=npm [chromium]=chromium)
missing=()
for p in "${pkgs[@]}"; do
  cmd=${provides[$p]:-}
  [[ -n $cmd ]] && command -v "$cmd" > /dev/null 2>&1 && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
