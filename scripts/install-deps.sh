#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need (scripts/debian-packages.txt).
# Runs apt-get only as root; otherwise says what to install and carries on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mapfile -t packages < <(grep -v '^#' "$here/debian-packages.txt" | grep -v '^$')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg run (unattended upgrades, a parallel job) instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${packages[@]}"
else
  echo "install-deps: not root; make sure these Debian packages are installed: ${packages[*]}" >&2
fi
