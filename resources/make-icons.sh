#!/bin/sh
# Renders icon.svg to the PNG sizes desktops and browsers ask for.
# ImageMagick reads SVG through rsvg-convert (Debian: librsvg2-bin).
set -eu
cd "$(dirname "$0")"
for size in 16 32 256 512; do
  convert -background none icon.svg -resize "${size}x${size}" "icon-${size}.png"
done
