#!/usr/bin/env bash
# The JavaScript the static book needs, shipped with the site instead of loaded from a CDN, from the npm registry:
# @jupyter-widgets/html-manager (embed-amd.js and its icon fonts) and require.js render the widgets; MathJax 3
# renders formulas (Sphinx would load it from a CDN on any page with math).
# npm installs into .jsdeps/ (git-ignored); the files the pages load are copied to .jsdeps/static/, which
# _config.yml serves through html_static_path (not a root _static/ folder: Jupyter Book would inject every .js
# there into every page). Run by make; does nothing when the pinned versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
HTML_MANAGER=1.0.6   # the version myst-nb's widget embedding is written for
REQUIREJS=2.3.4
MATHJAX=3.2.2
DEST=.jsdeps
STATIC=$DEST/static
STAMP_FILE=$STATIC/VERSIONS
WANT="html-manager@$HTML_MANAGER requirejs@$REQUIREJS mathjax@$MATHJAX"
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$WANT" ] && [ -s "$STATIC/embed-amd.js" ] && [ -s "$STATIC/require.js" ] \
    && [ -s "$STATIC/mathjax/tex-mml-chtml.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  scripts/apt-install.sh "to fetch the widget JavaScript" npm
fi
echo "installing the book's JavaScript (@jupyter-widgets/html-manager@$HTML_MANAGER, requirejs@$REQUIREJS, mathjax@$MATHJAX) into $DEST…"
mkdir -p "$DEST"
npm install --prefix "$DEST" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
  "@jupyter-widgets/html-manager@$HTML_MANAGER" "requirejs@$REQUIREJS" "mathjax@$MATHJAX"
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
