#!/usr/bin/env bash
# Installs otwatch as a service (as root): dependencies, a Release build,
# the binary in /usr/local/bin, a system user, /var/lib/otwatch, the example
# configuration in /etc/otwatch (kept if present), the web console's pages
# and the systemd units (otwatch started, otwatch-web left for the operator).
#   deploy/install.sh [--no-start]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${OTW_BUILD_DIR:-$top/build}
[[ $(id -u) -eq 0 ]] || { echo "install: run as root" >&2; exit 1; }

bash "$top/deploy/install-deps.sh"
# Data files (default credentials, weak passwords) live in /usr/local/share/otwatch.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF \
  -DOTW_DATA_DIR=/usr/local/share/otwatch -DCMAKE_INSTALL_PREFIX=/usr/local > /dev/null
cmake --build "$build" -j"$(nproc)" --target otwatch > /dev/null
install -m 0755 "$build/otwatch" /usr/local/bin/otwatch
install -d -m 0755 /usr/local/share/otwatch
install -m 0644 "$top/data/default_credentials.tsv" "$top/data/weak_passwords.txt" /usr/local/share/otwatch/
install -d -m 0755 /usr/local/share/otwatch/web
cp -R "$top/web/." /usr/local/share/otwatch/web/
chmod -R a+rX /usr/local/share/otwatch/web

id otwatch > /dev/null 2>&1 || useradd --system --home-dir /var/lib/otwatch --shell /usr/sbin/nologin otwatch
install -d -m 0750 -o otwatch -g otwatch /var/lib/otwatch
install -d -m 0755 /etc/otwatch
if [[ ! -f /etc/otwatch/otwatch.yaml ]]; then
  # A service learns its plant for a week before it judges it.
  sed -e 's/^  user: ""/  user: "otwatch"/' -e 's/^  learn_for: 0s/  learn_for: 7d/' \
    "$top/deploy/otwatch.yaml" > /etc/otwatch/otwatch.yaml
  echo "install: wrote /etc/otwatch/otwatch.yaml: set capture.interfaces to the SPAN port"
fi
/usr/local/bin/otwatch config check /etc/otwatch/otwatch.yaml
install -m 0644 "$top/deploy/otwatch.service" /etc/systemd/system/otwatch.service
install -m 0644 "$top/deploy/otwatch-web.service" /etc/systemd/system/otwatch-web.service
if command -v systemctl > /dev/null && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  [[ "${1:-}" == "--no-start" ]] || systemctl enable --now otwatch
fi
echo "install: done (otwatch help; journalctl -u otwatch;" \
  "web console: set web: in /etc/otwatch/otwatch.yaml, then systemctl enable --now otwatch-web)"
