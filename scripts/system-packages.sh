#!/usr/bin/env bash
# Installs the system packages byfeel's tests need, if any are missing (Debian/Ubuntu):
#   - Vulkan on the CPU (Mesa's lavapipe) and GL on llvmpipe: pictures with no GPU;
#   - the X libraries winit opens at run time, Xvfb and xdotool: the window tests;
#   - Chromium: the watch page, seen in a real headless browser.
# A machine with a GPU driver still needs nothing else; these only add the CPU fallback.
set -euo pipefail
packages=(
  mesa-vulkan-drivers libvulkan1 libegl-mesa0 libegl1 libgl1-mesa-dri libgles2
  chromium
  xvfb xauth xdotool libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0 libxkbcommon-x11-0
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "byfeel: install these (or your system's equivalents) and run again: ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "byfeel: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
