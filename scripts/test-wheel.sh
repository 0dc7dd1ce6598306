#!/usr/bin/env bash
# The wheel on its own: install the built wheel into a fresh venv, move the checkout's assets
# away (so nothing can be read from the source tree), and use every env, the shipped models
# and a store. Called by scripts/test.sh with the wheel's path.
set -euo pipefail
cd "$(dirname "$0")/.."
wheel="$1"
venv=target/py-wheel-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "$wheel"
mv assets target/assets-moved-away
trap 'mv target/assets-moved-away assets' EXIT
(cd "$(mktemp -d)" && env -u BYFEEL_ASSETS "$OLDPWD/$venv/bin/python" "$OLDPWD/python/checks/installed_wheel.py")
