#!/usr/bin/env bash
# Rebuild static/vendor/xterm-<version>.bundle.min.js, its .css and its .LICENSE file
# from the pinned package.json / package-lock.json in this folder.
#
#   bash static/vendor/xterm/build.sh            # build from the lockfile
#   bash static/vendor/xterm/build.sh --relock   # re-resolve the lockfile first
#                                                       (after editing package.json)
#
# Needs node >= 18 and npm; reaches only the npm registry. All installing happens
# in a throwaway temp dir, so no node_modules/ is ever left in the repository.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="$(cd "$HERE/.." && pwd)"            # static/vendor
REGISTRY="https://registry.npmjs.org/"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/xterm-bundle.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

cp "$HERE/package.json" "$HERE/entry.js" "$WORK/"
[ -f "$HERE/package-lock.json" ] && cp "$HERE/package-lock.json" "$WORK/"
cd "$WORK"

# Flags instead of an .npmrc: explicit registry; lockfile without "resolved" URLs
# (integrity hashes still pin every tarball); no install scripts are run.
NPM_FLAGS=(--registry="$REGISTRY" --omit-lockfile-registry-resolved --ignore-scripts
           --no-audit --no-fund --no-update-notifier)

if [ "${1:-}" = "--relock" ] || [ ! -f package-lock.json ]; then
  rm -f package-lock.json
  npm install --package-lock-only "${NPM_FLAGS[@]}"
  cp package-lock.json "$HERE/package-lock.json"
  echo "build.sh: wrote $HERE/package-lock.json"
fi

npm ci "${NPM_FLAGS[@]}"

VERSION="$(node -p 'require("./node_modules/@xterm/xterm/package.json").version')"
BUNDLE="xterm-$VERSION.bundle.min.js"
CSS="xterm-$VERSION.min.css"
LICENSE_FILE="xterm-$VERSION.LICENSE"

./node_modules/.bin/esbuild entry.js \
  --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --charset=utf8 \
  --metafile=meta.json \
  --banner:js="/*! xterm.js $VERSION + fit and web-links add-ons for LFS158 Tutor (window.XtermTutor). MIT licensed; notices: $LICENSE_FILE */" \
  --outfile="$BUNDLE"

./node_modules/.bin/esbuild node_modules/@xterm/xterm/css/xterm.css --minify \
  --banner:css="/*! xterm.js $VERSION styles. MIT licensed; notices: $LICENSE_FILE */" --outfile="$CSS"

# One notice file for exactly the packages that ended up in the bundle.
node - "$VERSION" > "$LICENSE_FILE" <<'JS'
const fs = require("fs"), path = require("path");
const meta = JSON.parse(fs.readFileSync("meta.json", "utf8"));
const pkgs = new Set();
for (const input of Object.keys(meta.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) pkgs.add(m[1]);
}
const out = [
  `Third-party software bundled in xterm-${process.argv[2]}.bundle.min.js and its .css`,
  "(built by static/vendor/xterm/build.sh from package-lock.json).", ""];
for (const name of [...pkgs].sort()) {
  const dir = path.join("node_modules", name);
  const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const lic = fs.readdirSync(dir).find(f => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  out.push("=".repeat(72), `${name}@${pj.version} (${pj.license || "see below"})`, "=".repeat(72));
  out.push(lic ? fs.readFileSync(path.join(dir, lic), "utf8").trim() : `License: ${pj.license}`, "");
}
process.stdout.write(out.join("\n") + "\n");
JS

cp "$BUNDLE" "$CSS" "$LICENSE_FILE" "$OUT_DIR/"
echo "build.sh: wrote $OUT_DIR/$BUNDLE ($(wc -c < "$BUNDLE") bytes), $OUT_DIR/$CSS and $OUT_DIR/$LICENSE_FILE"
