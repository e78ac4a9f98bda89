#!/bin/sh
# Renders icon.svg to the PNG sizes desktops and browsers ask for, and the
# tray (menu-bar) icons: the same mark with a dot for the worst state across
# routes (green up, amber degraded, red down), at 16 px and 32 px (@2x, which
# Electron's nativeImage picks on high-density screens).
# ImageMagick reads SVG through rsvg-convert (Debian: librsvg2-bin).
set -eu
cd "$(dirname "$0")"
for size in 16 32 256 512; do
  convert -background none icon.svg -resize "${size}x${size}" "icon-${size}.png"
done
# The dot: a filled circle in the lower right quarter with a white ring, so it
# reads on dark and light panels alike.
for state in up:#1f9d55 degraded:#e0a100 down:#d7263d; do
  name=${state%%:*}
  colour=${state#*:}
  sed "s|</svg>|  <circle cx=\"384\" cy=\"384\" r=\"112\" fill=\"$colour\" stroke=\"#ffffff\" stroke-width=\"40\"/>\n</svg>|" icon.svg > "tray-$name.svg"
  convert -background none "tray-$name.svg" -resize 16x16 "tray-$name.png"
  convert -background none "tray-$name.svg" -resize 32x32 "tray-$name@2x.png"
  rm "tray-$name.svg"
done
