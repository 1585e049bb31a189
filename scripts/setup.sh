#!/usr/bin/env bash
# Sets a fresh machine up for buzzfinder (idempotent; apt and npm are skipped when already satisfied):
#   - fluidsynth + fluid-soundfont-gm: recorded guitar samples for the training data (scripts/install-soundfont.sh)
#   - google-cloud-cli-pubsub-emulator + a Java runtime: the Pub/Sub emulator the adapter tests run against
#   - chromium: the headless browser the take-page tests drive (test/page/take-page.browser.test.ts, playwright-core)
#   - npm packages from the lockfile (the Cloud Storage emulator comes with the firebase-tools devDependency)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-soundfont.sh

need_apt=()
[ -x /usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator ] || need_apt+=(google-cloud-cli-pubsub-emulator)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# npm ci wipes node_modules; skip it when the installed tree already satisfies package.json and the lockfile.
if [ -d node_modules ] && npm ls --depth=0 >/dev/null 2>&1 && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: node_modules is up to date"
else
  npm ci --no-audit --no-fund
fi
