#!/usr/bin/env bash
# apt-install.sh WHY PACKAGE...: install Debian packages the project needs, as root; otherwise stop and name the
# command to run. The setup-*.sh scripts call it only after finding the thing missing.
set -euo pipefail
why=$1; shift
if [ "$(id -u)" != 0 ]; then
  echo "error: $* missing ($why); install with: sudo apt-get install $*" >&2
  exit 1
fi
echo "installing $* ($why)…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
