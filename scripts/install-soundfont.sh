#!/usr/bin/env bash
# Installs fluidsynth and the FluidR3 General MIDI soundfont (Debian's fluid-soundfont-gm, MIT licence),
# the recorded-guitar source of `buzzfinder dataset --sources soundfont`. Idempotent: apt is skipped
# when both are already present. Needs root (or sudo) on a Debian/Ubuntu machine.
set -euo pipefail

SF2=/usr/share/sounds/sf2/FluidR3_GM.sf2

if command -v fluidsynth >/dev/null 2>&1 && [ -f "$SF2" ]; then
  echo "install-soundfont: fluidsynth and $SF2 already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-soundfont: needs root (or sudo) to apt-get install fluidsynth fluid-soundfont-gm" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends fluidsynth fluid-soundfont-gm

if ! command -v fluidsynth >/dev/null 2>&1 || [ ! -f "$SF2" ]; then
  echo "install-soundfont: installation finished but fluidsynth or $SF2 is missing" >&2
  exit 1
fi
echo "install-soundfont: installed fluidsynth $(fluidsynth --version 2>/dev/null | head -n1) and $SF2"
