#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "chromium is missing and this is not root: install Debian's chromium package" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends chromium </dev/null >/dev/null
