#!/usr/bin/env bash
# System packages the book and the notebooks need beyond Python: a CJK font, so that charts draw Chinese labels
# (without it matplotlib warns on stderr and nbval's comparison of stored outputs fails).
set -euo pipefail
if fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null; then  # no -q: under pipefail an early exit breaks the pipe
  exit 0
fi
# Pinned to Debian 12 (bookworm) main's versions, fixed for the release's life (apt-cache policy PACKAGE).
"$(dirname "$0")/apt-install.sh" "Chinese font for charts" fonts-noto-cjk=1:20220127+repack1-1 fontconfig=2.14.1-4
rm -rf "${HOME}/.cache/matplotlib"   # matplotlib caches the font list; rebuild it so the new font is found
