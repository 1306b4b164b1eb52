#!/usr/bin/env bash
# make workshop: JupyterLab with the notebooks and a Voilà dashboard (no code) per encoded policy, on 127.0.0.1,
# offline. One server: Voilà runs as a JupyterLab server extension, so both live under the same address.
#   WORKSHOP_PORT  port to listen on (default 8866)
#   WORKSHOP_TOKEN access token (default: a fresh random one; the printed addresses carry it). An empty one turns
#                  the check off, so that any local process can run code through the server: refused unless
#                  WORKSHOP_ALLOW_NO_TOKEN=1, and always refused when running as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
unset MPLBACKEND                       # let kernels use the inline backend (make exports Agg for the tests)
export JUPYTER_PATH="$PWD/workshop/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"   # the "offline" Voilà template
# labconfig/page_config.json there turns off JupyterLab's announcements plugin (the "Jupyter news?" prompt).
export JUPYTER_CONFIG_PATH="$PWD/workshop/jupyter${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
PORT="${WORKSHOP_PORT:-8866}"
TOKEN="${WORKSHOP_TOKEN-$(python -c 'import secrets; print(secrets.token_hex(12))')}"
if [ -z "${TOKEN//[[:space:]]/}" ]; then   # checked before anything starts
  if [ "$(id -u)" = 0 ]; then
    echo "error: WORKSHOP_TOKEN is empty and this runs as root: a server without a token would let every local" \
      "process run code as root; unset WORKSHOP_TOKEN for a random token" >&2
    exit 2
  fi
  if [ "${WORKSHOP_ALLOW_NO_TOKEN:-}" != 1 ]; then
    echo "error: WORKSHOP_TOKEN is empty: a server without a token lets every local process run code; unset" \
      "WORKSHOP_TOKEN for a random token, or set WORKSHOP_ALLOW_NO_TOKEN=1 to run without one" >&2
    exit 2
  fi
fi
python workshop/make_dashboards.py     # a dashboard for every policy encoded since the last run

ROOT=()
[ "$(id -u)" = 0 ] && ROOT=(--allow-root)
# Nothing may reach the internet: no news feed, no update check, no extension listing from PyPI; Voilà's page
# without CDN links (template "offline"); MathJax served locally (jupyter-server-mathjax sets mathjax_url).
jupyter lab --no-browser "${ROOT[@]}" \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" --ServerApp.port_retries=0 \
  --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$PWD" --ServerApp.log_level=WARN \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
  --LabApp.extension_manager=readonly \
  --VoilaConfiguration.template=offline --VoilaConfiguration.show_tracebacks=False &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' EXIT INT TERM

BASE="http://127.0.0.1:$PORT"
Q=""; [ -n "$TOKEN" ] && Q="?token=$TOKEN"
for _ in $(seq 1 120); do
  if python - "$BASE/api/status$Q" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=1)
PY
  kill -0 "$SERVER" 2>/dev/null || { echo "error: the server did not start (is port $PORT free? set WORKSHOP_PORT)" >&2; exit 1; }
  sleep 0.5
done

echo
echo "Workshop server ready on $BASE (Ctrl-C to stop). Open in a browser:"
echo "  JupyterLab, the notebooks live:"
echo "    $BASE/lab/tree/notebooks$Q"
echo "  Dashboards without code (Voilà), one per encoded policy, and the comparison:"
for nb in workshop/*.ipynb; do
  echo "    $BASE/voila/render/$nb$Q"
done
echo "  Exports (Excel, CSV, JSON) are offered as downloads on the page (a copy stays in workshop-exports/)"
echo "WORKSHOP_READY $BASE"
wait "$SERVER"
