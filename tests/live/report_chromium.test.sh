#!/usr/bin/env bash
# The report as a browser shows it: `otwatch report` of the demo capture
# (zones of tests/golden/zones.yaml) in Japanese and English, rendered by
# headless Chromium (Debian chromium) with a Japanese font (fonts-noto-cjk):
#  - the rendered DOM (--dump-dom) holds the Japanese section titles, the
#    zone names and the summary counts;
#  - the screenshot (1400x3000) is a real page: its top, where the summary
#    is, has enough dark (text) pixels, the red of the violation counts and
#    badges, and many colours; the Japanese and English pages differ there.
# Installs chromium and fonts-noto-cjk with apt-get when missing (as root;
# deploy/install-deps.sh --test lists them). Skips (77) where Chromium
# cannot be installed or run. Every step is bounded by timeout.
# OTW_SCREENSHOT_DIR=DIR keeps the screenshots (report-ja.png, report-en.png).
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
zcfg="$src/tests/golden/zones.yaml"

chromium_bin() { command -v chromium || command -v chromium-browser; }
has_cjk_font() { fc-list :lang=ja 2> /dev/null | grep -q .; }
if ! chromium_bin > /dev/null || ! has_cjk_font; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    echo "installing chromium and fonts-noto-cjk (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk > "$tmp/apt.log" 2>&1 \
      || { timeout 300 apt-get update -qq > /dev/null 2>&1 &&
           timeout 600 apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk > "$tmp/apt.log" 2>&1; } \
      || tail -3 "$tmp/apt.log"
  fi
fi
chrome=$(chromium_bin) || { echo "SKIP: chromium is not installed (apt-get install chromium)"; exit 77; }
has_cjk_font || { echo "SKIP: no Japanese font (apt-get install fonts-noto-cjk)"; exit 77; }

# Fresh profile per run; no network, no updates, no sandbox (root in CI).
run_chrome() { # args...
  local profile
  profile=$(mktemp -d "$tmp/profile.XXXXXX")
  timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" "$@" \
    2>> "$tmp/chrome.log"
}

"$otwatch" read --config "$zcfg" --state "$tmp/st" "$src/deploy/demo/plant-demo.pcap" 2> /dev/null \
  || { fail "read"; finish; }
"$otwatch" report --config "$zcfg" --state "$tmp/st" --lang ja --tz +09:00 --html "$tmp/report-ja.html" || fail "report ja"
"$otwatch" report --config "$zcfg" --state "$tmp/st" --lang en --html "$tmp/report-en.html" || fail "report en"

# A first run tells whether Chromium works here at all.
if ! run_chrome --dump-dom "file://$tmp/report-ja.html" > "$tmp/dom-ja.html" || [[ ! -s "$tmp/dom-ja.html" ]]; then
  tail -5 "$tmp/chrome.log"
  echo "SKIP: headless chromium does not run here"; exit 77
fi
run_chrome --dump-dom "file://$tmp/report-en.html" > "$tmp/dom-en.html" || fail "dump-dom en"

dom_has() { # name, file, fixed string
  grep -qF -- "$3" "$2" && pass "$1" || fail "$1: '$3' not in the rendered DOM"
}
for s in "OT ネットワーク境界レビュー報告書" 資産台帳 境界違反 既定のパスワード プログラム変更 重大度 \
         ネットワーク構成図 "UTC+09:00"; do
  dom_has "ja DOM: $s" "$tmp/dom-ja.html" "$s"
done
for z in office dmz supervisory control engineering vendor; do
  dom_has "ja DOM: zone $z" "$tmp/dom-ja.html" "data-zone=\"$z\""
done
kpi() { grep -o "id=\"kpi-$1\".*" "$2" | grep -o 'class="v">[0-9]*' | head -1 | grep -o '[0-9]*$'; }
[[ $(kpi assets "$tmp/dom-ja.html") == 4 && $(kpi violations "$tmp/dom-ja.html") == 2 &&
   $(kpi new "$tmp/dom-ja.html") == 4 ]] && pass "DOM: summary counts 4 assets, 4 new, 2 violations" \
  || fail "DOM: summary counts"
dom_has "en DOM: Asset inventory" "$tmp/dom-en.html" "Asset inventory"
grep -q '<script' "$tmp/dom-ja.html" && fail "DOM has a script" || pass "DOM: no script"

# Screenshots, checked from their pixels (python3 and zlib only).
for l in ja en; do
  run_chrome --screenshot="$tmp/shot-$l.png" --window-size=1400,3000 "file://$tmp/report-$l.html" > /dev/null \
    || fail "screenshot $l"
done
[[ -n "${OTW_SCREENSHOT_DIR:-}" ]] && cp "$tmp/shot-ja.png" "$OTW_SCREENSHOT_DIR/report-ja.png" \
  && cp "$tmp/shot-en.png" "$OTW_SCREENSHOT_DIR/report-en.png"
cat > "$tmp/png.py" << 'PY'
# Decodes the top rows of an 8-bit RGB/RGBA PNG (PNG spec: filters 0-4) and
# prints: width height dark-pixels red-pixels colours.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, []
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
    elif typ == b"IDAT":
        idat.append(body)
    pos += 12 + n
assert depth == 8 and ctype in (2, 6) and lace == 0, "unsupported PNG"
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(b"".join(idat))
stride = w * bpp
prev = bytearray(stride)
dark = red = 0
colours = set()
for y in range(min(h, int(sys.argv[2]))):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        dark += max(r, g, b) < 110
        red += r > 150 and g < 60 and b < 60
        colours.add((r >> 4, g >> 4, b >> 4))
print(w, h, dark, red, len(colours))
PY
for l in ja en; do
  f="$tmp/shot-$l.png"
  [[ -s "$f" ]] || { fail "$l: no screenshot"; continue; }
  size=$(stat -c %s "$f")
  [[ $size -gt 50000 ]] && pass "$l: screenshot $size bytes" || fail "$l: screenshot only $size bytes"
  read -r w h dark red colours <<< "$(timeout 120 python3 "$tmp/png.py" "$f" 1000)"
  [[ "$w" == 1400 && "$h" == 3000 ]] && pass "$l: 1400x3000" || fail "$l: size ${w}x${h}"
  [[ ${dark:-0} -gt 5000 ]] && pass "$l: summary has text ($dark dark pixels)" || fail "$l: summary nearly blank ($dark)"
  [[ ${red:-0} -gt 300 ]] && pass "$l: violations shown in red ($red pixels)" || fail "$l: no red ($red)"
  [[ ${colours:-0} -gt 40 ]] && pass "$l: $colours colours" || fail "$l: $colours colours"
done
cmp -s "$tmp/shot-ja.png" "$tmp/shot-en.png" && fail "ja and en screenshots are identical" || pass "ja and en render differently"
finish
