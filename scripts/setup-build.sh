#!/usr/bin/env bash
# Build the sample site (this repository: content/, theme/, fraudsite.yaml) with fraudsite:
#   bash scripts/setup-build.sh [extra args for `fraudsite build`]
# Creates .venv and installs fraudsite into it (editable) when needed, then builds.
# A second run skips the install: it is redone only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! .venv/bin/python -c '' 2>/dev/null; then
  rm -rf .venv
  if ! python3 -m venv .venv; then
    # Debian's own python3 lacks ensurepip until python3-venv is installed.
    rm -rf .venv
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o Dpkg::Use-Pty=0 python3-venv </dev/null
    python3 -m venv .venv
  fi
fi

stamp=.venv/.fraudsite-installed
hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
# scripts/test.sh writes "test <hash>" after installing '.[test]', which includes the plain install.
if ! grep -qxE "(base|test) $hash" "$stamp" 2>/dev/null; then
  .venv/bin/python -m pip install -q -e .
  echo "base $hash" >> "$stamp"
fi

.venv/bin/fraudsite build "$@"
