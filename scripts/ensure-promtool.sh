#!/usr/bin/env bash
# Installs promtool (Debian's prometheus package) when it is missing: the observability tests
# validate the alert rules with it. Uses sudo only when it needs no password; otherwise says what to run.
set -uo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "promtool is missing; install it with: sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi
echo "Installing promtool (Debian package prometheus)..."
$as_root apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
  && command -v promtool >/dev/null 2>&1 \
  || { echo "could not install promtool; test/observability/promtool.e2e.ts will fail" >&2; exit 1; }
