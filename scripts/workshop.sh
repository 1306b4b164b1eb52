#!/usr/bin/env bash
# make workshop: JupyterLab with the notebooks and a Voilà dashboard (no code) per encoded policy, on 127.0.0.1,
# offline. One server: Voilà runs as a JupyterLab server extension, so both live under the same address.
#   WORKSHOP_PORT        port to listen on (default 8866)
#   WORKSHOP_TOKEN       access token (default: a fresh random one of 48 hex digits; the printed addresses carry
#                        it); one given must have at least 16 characters: letters, digits or - _ . ~
#   WORKSHOP_TOKEN_FILE  or: a file holding the token, readable by its owner only (chmod 600)
# The token never appears on a command line (any local user can read those with `ps`): the server reads it from a
# file only this user can read (JUPYTER_TOKEN_FILE, removed once the server has read it). Terminals are off.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
unset MPLBACKEND                       # let kernels use the inline backend (make exports Agg for the tests)
export JUPYTER_PATH="$PWD/workshop/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"   # the "offline" Voilà template
# labconfig/page_config.json there turns off JupyterLab's announcements plugin (the "Jupyter news?" prompt).
export JUPYTER_CONFIG_PATH="$PWD/workshop/jupyter${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
PORT="${WORKSHOP_PORT:-8866}"
MIN_TOKEN=16

if [ -n "${WORKSHOP_TOKEN_FILE:-}" ]; then
  if [ ! -f "$WORKSHOP_TOKEN_FILE" ] || [ ! -r "$WORKSHOP_TOKEN_FILE" ]; then
    echo "error: WORKSHOP_TOKEN_FILE: cannot read $WORKSHOP_TOKEN_FILE" >&2
    exit 2
  fi
  if [ -n "$(find "$WORKSHOP_TOKEN_FILE" -perm /077 2>/dev/null)" ]; then
    echo "error: WORKSHOP_TOKEN_FILE: $WORKSHOP_TOKEN_FILE can be read by other users; chmod 600 it" >&2
    exit 2
  fi
  TOKEN="$(head -n 1 "$WORKSHOP_TOKEN_FILE")"
elif [ -n "${WORKSHOP_TOKEN+given}" ]; then
  TOKEN="$WORKSHOP_TOKEN"
else
  TOKEN="$(python -c 'import secrets; print(secrets.token_hex(24))')"
fi
unset WORKSHOP_TOKEN JUPYTER_TOKEN     # not passed on to the server or its kernels
if [ "${#TOKEN}" -lt "$MIN_TOKEN" ] || [[ ! "$TOKEN" =~ ^[A-Za-z0-9._~-]+$ ]]; then   # before anything starts
  echo "error: WORKSHOP_TOKEN must have at least $MIN_TOKEN characters, letters, digits or - _ . ~ (got" \
    "${#TOKEN} characters): anyone on this computer who guesses it can run code through the server; unset it" \
    "for a random one" >&2
  exit 2
fi
PRIVATE="$(umask 077 && mktemp -d)"   # readable by this user only
trap 'rm -rf "$PRIVATE"' EXIT
(umask 077 && printf '%s' "$TOKEN" > "$PRIVATE/token")
export JUPYTER_TOKEN_FILE="$PRIVATE/token"

python workshop/make_dashboards.py     # a dashboard for every policy encoded since the last run

ROOT=()
[ "$(id -u)" = 0 ] && ROOT=(--allow-root)
# Nothing may reach the internet: no news feed, no update check, no extension listing from PyPI; Voilà's page
# without CDN links (template "offline"); MathJax served locally (jupyter-server-mathjax sets mathjax_url).
# No terminals: a participant's browser gets the dashboards and notebooks, not a shell.
jupyter lab --no-browser "${ROOT[@]}" \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" --ServerApp.port_retries=0 \
  --ServerApp.terminals_enabled=False --ServerApp.root_dir="$PWD" --ServerApp.log_level=WARN \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
  --LabApp.extension_manager=readonly \
  --VoilaConfiguration.template=offline --VoilaConfiguration.show_tracebacks=False &
SERVER=$!
unset JUPYTER_TOKEN_FILE
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$PRIVATE"' EXIT INT TERM

BASE="http://127.0.0.1:$PORT"
Q="?token=$TOKEN"
for _ in $(seq 1 120); do
  # The address (with its token) reaches the probe through its environment, not its command line.
  if WORKSHOP_PROBE="$BASE/api/status$Q" python - <<'PY' 2>/dev/null; then break; fi
import os, urllib.request
urllib.request.urlopen(os.environ["WORKSHOP_PROBE"], timeout=1)
PY
  kill -0 "$SERVER" 2>/dev/null || { echo "error: the server did not start (is port $PORT free? set WORKSHOP_PORT)" >&2; exit 1; }
  sleep 0.5
done
rm -f "$PRIVATE/token"                 # read by the server at start-up: no copy of the token stays on disk

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
