#!/usr/bin/env bash
# apt-install.sh WHY PACKAGE=VERSION...: install Debian packages the project needs at the versions given, as root;
# otherwise stop and name the command to run. The setup-*.sh scripts call it only after finding the thing missing.
set -euo pipefail
why=$1; shift
for pkg in "$@"; do
  case "$pkg" in
    *=*) ;;
    *) echo "error: $pkg: give the version (PACKAGE=VERSION, see apt-cache policy $pkg)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "error: $* missing ($why); install with: sudo apt-get install $*" >&2
  exit 1
fi
echo "installing $* ($why)…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
