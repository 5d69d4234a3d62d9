#!/usr/bin/env bash
# Regenerates wqy-microhei-gb2312.ttf: WenQuanYi Micro Hei from Debian's fonts-wqy-microhei,
# cut down to GB 2312 (6,763 hanzi and its symbols) plus ASCII, CJK punctuation, full-width
# forms, circled numbers and geometric shapes. Needs root for apt-get; fonttools comes from PyPI.
# The build never runs this: the result is committed, so a fresh machine needs only the toolchain.
set -euo pipefail
cd "$(dirname "$0")"
apt-get install -y -qq fonts-wqy-microhei >/dev/null
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install -q fonttools==4.68.0
"$venv/bin/python" - >"$venv/chars.txt" <<'PY'
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x20, 0x7F))
for lo, hi in [(0x3000, 0x303F), (0xFF00, 0xFFEF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2010, 0x2027), (0xB7, 0xB7)]:
    chars.update(chr(c) for c in range(lo, hi + 1))
print("".join(sorted(chars)), end="")
PY
"$venv/bin/pyftsubset" /usr/share/fonts/truetype/wqy/wqy-microhei.ttc --font-number=0 \
    --text-file="$venv/chars.txt" --output-file=wqy-microhei-gb2312.ttf \
    --layout-features='' --no-hinting --desubroutinize --name-IDs='*' --drop-tables+=GSUB,GPOS,GDEF
rm -rf "$venv"
ls -l wqy-microhei-gb2312.ttf
