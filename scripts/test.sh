#!/usr/bin/env bash
# Install everything the test suite needs, then run it:
#   bash scripts/test.sh [pytest args]      e.g.  bash scripts/test.sh -k vnu -x
# Each step is skipped when already done, so a second run goes straight to pytest.
# The exit code is pytest's. Works unattended (CI=true, no stdin).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_updated=""
apt_install() {
  echo "test.sh: apt-get install $*" >&2
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@" </dev/null
}

# --- System packages (Debian). apt is not touched at all when nothing is missing. ---
need=()
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)              # driven by Playwright; never `playwright install`
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)  # without it Chinese renders as boxes
command -v java >/dev/null || need+=(default-jre-headless)        # runs the Nu Html Checker (vnu.jar)
command -v node >/dev/null || need+=(nodejs)                      # runs acorn (ES5 check)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
# Only now: some nodejs builds bring npm with them, and Debian's npm package would conflict with those.
command -v npm >/dev/null || apt_install npm

# --- Python: .venv with fraudsite + the test extra; reinstalled only when pyproject.toml changes. ---
if ! .venv/bin/python -c '' 2>/dev/null; then
  rm -rf .venv
  # Debian's own python3 lacks ensurepip until python3-venv is installed.
  python3 -m venv .venv || { rm -rf .venv; apt_install python3-venv; python3 -m venv .venv; }
fi
stamp=.venv/.fraudsite-installed
want="test $(sha256sum pyproject.toml | cut -d' ' -f1)"
if ! grep -qxF "$want" "$stamp" 2>/dev/null; then
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" >> "$stamp"
fi

# --- JS/Java tools pinned by tests/js/package-lock.json (vnu-jar, axe-core, acorn). ---
# --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime.
if ! cmp -s tests/js/package-lock.json tests/js/node_modules/.fraudsite-lock; then
  (cd tests/js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp tests/js/package-lock.json tests/js/node_modules/.fraudsite-lock
fi

# Two worker processes (pytest-xdist): the suite took 10 minutes in one, 7 in two on a 2-core machine. Tests
# that must run alone take ``-n 0`` (bash scripts/test.sh -n 0 -k …).
exec .venv/bin/python -m pytest -n 2 "$@"
