#!/usr/bin/env bash
# Stages the production tree of the platform in DIR (default dist-prod/): the compiled output of
# `npm run build` (dist/), the pipeline config and schemas, and the production dependencies only,
# installed from the lock file with `npm ci --omit=dev`, with patches/ applied. This is what the image
# (deploy/docker/Dockerfile) runs, built by the same steps; test/deploy/production-build.e2e.ts starts
# every app from such a tree.
#
# Dependency install scripts are not run (--ignore-scripts): the native packages the platform needs
# (DuckDB) ship prebuilt per platform in the lock file. The one fix-up that is needed, patches/, is
# applied by patch-package from the full install this script runs in (it is a devDependency), so the
# production tree does not carry it. Run from a checkout where `npm ci` and `npm run build` have run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/dist-prod}"
cd "$ROOT"

[ -f dist/build-info.json ] || { echo "dist/ is missing or incomplete: run npm run build first" >&2; exit 1; }
[ -f node_modules/patch-package/package.json ] || { echo "patch-package is missing: run npm ci first" >&2; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST"
cp package.json package-lock.json "$DEST/"
cp -R patches config schemas dist "$DEST/"
(
  cd "$DEST"
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
  node "$ROOT/node_modules/patch-package/index.js" --error-on-fail
)
echo "production tree staged in $DEST"
