#!/usr/bin/env bash
# The JavaScript the static book needs, shipped with the site instead of loaded from a CDN, from the npm registry:
# @jupyter-widgets/html-manager (embed-amd.js and its icon fonts) and require.js render the widgets; MathJax 3
# renders formulas (Sphinx would load it from a CDN on any page with math).
# The versions are pinned in scripts/js/package.json (html-manager 1.0.6 is the one myst-nb's widget embedding is
# written for) and every package npm installs, with its sha512 integrity hash, in scripts/js/package-lock.json:
# `npm ci` installs exactly that tree into .jsdeps/ (git-ignored) or fails, it never resolves anew. To change a
# version: edit package.json, run `npm install --package-lock-only --ignore-scripts` in scripts/js/, commit both.
# The files the pages load are copied to .jsdeps/static/, which _config.yml serves through html_static_path (not a
# root _static/ folder: Jupyter Book would inject every .js there into every page). Run by make; does nothing when
# the locked tree is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=scripts/js/package-lock.json
DEST=.jsdeps
STATIC=$DEST/static
STAMP_FILE=$STATIC/VERSIONS
WANT="package-lock.json sha256 $(sha256sum "$LOCK" | cut -d' ' -f1)"
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$WANT" ] && [ -s "$STATIC/embed-amd.js" ] && [ -s "$STATIC/require.js" ] \
    && [ -s "$STATIC/mathjax/tex-mml-chtml.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  # Debian 12 (bookworm) main's npm, with its nodejs (apt-cache policy npm); a machine with NodeSource's node has npm
  scripts/apt-install.sh "to fetch the widget JavaScript" npm=9.2.0~ds1-1
fi
echo "installing the book's JavaScript from $LOCK (html-manager, requirejs, mathjax) into $DEST…"
mkdir -p "$DEST"
cp scripts/js/package.json "$LOCK" "$DEST/"
(cd "$DEST" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
DIST=$DEST/node_modules/@jupyter-widgets/html-manager/dist
rm -rf "$STATIC"
mkdir -p "$STATIC"
cp "$DIST/embed-amd.js" "$STATIC/"
# Icon fonts the widget CSS refers to, relative to embed-amd.js.
cp "$DIST"/*.woff2 "$DIST"/*.woff "$DIST"/*.ttf "$DIST"/*.eot "$DIST"/*.svg "$STATIC/"
cp "$DEST/node_modules/requirejs/require.js" "$STATIC/"
# MathJax: the combined TeX/MathML → HTML bundle and the components it loads on demand (fonts, extensions, menu).
MJ=$DEST/node_modules/mathjax/es5
mkdir -p "$STATIC/mathjax/output"
cp "$MJ/tex-mml-chtml.js" "$STATIC/mathjax/"
cp -r "$MJ/input" "$MJ/ui" "$MJ/a11y" "$MJ/sre" "$MJ/adaptors" "$STATIC/mathjax/"
cp -r "$MJ/output/chtml" "$MJ/output/chtml.js" "$STATIC/mathjax/output/"
echo "$WANT" > "$STAMP_FILE"
