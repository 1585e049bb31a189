#!/usr/bin/env bash
# Installs everything buzzfinder needs on a fresh machine (idempotent): npm packages and the apt packages it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
