#!/usr/bin/env bash
# System packages the book and the notebooks need beyond Python: a CJK font, so that charts draw Chinese labels
# (without it matplotlib warns on stderr and nbval's comparison of stored outputs fails).
set -euo pipefail
if fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null; then  # no -q: under pipefail an early exit breaks the pipe
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: the font fonts-noto-cjk is missing; install it with: sudo apt-get install fonts-noto-cjk" >&2
  exit 1
fi
echo "installing fonts-noto-cjk (Chinese font for charts)…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
rm -rf "${HOME}/.cache/matplotlib"   # matplotlib caches the font list; rebuild it so the new font is found
