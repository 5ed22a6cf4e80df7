#!/usr/bin/env bash
# What the tests need from Debian, installed when missing (npm test runs this first): the full
# Fashion-MNIST (the bundled sample is checked against it) and Chromium (the report is opened in a
# real browser). On a machine that has both it does nothing.
set -euo pipefail
packages=(dataset-fashion-mnist chromium)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then exit 0; fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "npm test: installing ${packages[*]} (Debian packages the tests need)" >&2
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${packages[@]}"
