#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing (never a Playwright-downloaded browser).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
else
  echo "warning: /usr/bin/chromium missing and cannot be installed here; browser tests will fail" >&2
fi
