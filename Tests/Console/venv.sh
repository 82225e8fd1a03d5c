#!/usr/bin/env bash
# Prints the python of the venv the console's browser test uses (Selenium from PyPI, cached in
# .build/console-venv), creating it first when it is missing or incomplete. Tests run in parallel and several may
# need it at once: creation holds a lock, so no second pip writes into a half-built venv.
# usage: venv.sh   (prints the interpreter's path)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.build/console-venv"
ready() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import selenium' 2>/dev/null; }
if ! ready; then
  mkdir -p "$root/.build"
  exec 9>"$root/.build/console-venv.lock"
  flock 9
  if ! ready; then
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  fi
fi
echo "$venv/bin/python"
