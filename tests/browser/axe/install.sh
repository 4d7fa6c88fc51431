#!/usr/bin/env bash
# Install axe-core (pinned by package-lock.json in this folder) into the tutor's cache,
# for the accessibility checks of tests/browser/: the tests inject axe.min.js into the
# pages they check with Playwright; it is never served to users and never fetched from
# a CDN while the tests run.
#
#   bash tests/browser/axe/install.sh            # install from the lockfile (once per version)
#   bash tests/browser/axe/install.sh --relock   # re-resolve the lockfile (after editing package.json)
#
# Prints the path of axe.min.js last. Needs node >= 18 and npm; reaches only the npm
# registry; installs in a throwaway temp dir, so no node_modules/ is left in the repository.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${TUTOR_CACHE_DIR:-$HOME/.cache/lfs158-tutor}"
REGISTRY="https://registry.npmjs.org/"
VERSION="$(node -p 'require(process.argv[1]).dependencies["axe-core"]' "$HERE/package.json")"
TARGET="$CACHE/axe-core-$VERSION/axe.min.js"

if [ "${1:-}" != "--relock" ] && [ -s "$TARGET" ] && [ -f "$HERE/package-lock.json" ]; then
  echo "$TARGET"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/axe-core.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/package.json" "$WORK/"
[ -f "$HERE/package-lock.json" ] && cp "$HERE/package-lock.json" "$WORK/"
cd "$WORK"

NPM_FLAGS=(--registry="$REGISTRY" --omit-lockfile-registry-resolved --ignore-scripts
           --no-audit --no-fund --no-update-notifier --loglevel=error)

if [ "${1:-}" = "--relock" ] || [ ! -f package-lock.json ]; then
  rm -f package-lock.json
  npm install --package-lock-only "${NPM_FLAGS[@]}" >&2
  cp package-lock.json "$HERE/package-lock.json"
  echo "install.sh: wrote $HERE/package-lock.json" >&2
fi

npm ci "${NPM_FLAGS[@]}" >&2
mkdir -p "$(dirname "$TARGET")"
cp node_modules/axe-core/axe.min.js "$TARGET.tmp"
cp node_modules/axe-core/LICENSE "$(dirname "$TARGET")/LICENSE"
mv "$TARGET.tmp" "$TARGET"
echo "$TARGET"
