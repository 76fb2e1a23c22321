#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Make sure the Debian packages named on the command line are installed.
# As root, installs the missing ones with apt-get; otherwise prints the exact
# command to run and fails.
set -euo pipefail

missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "sgxemu: missing Debian packages: ${missing[*]}" >&2
	echo "sgxemu: install them with:" >&2
	echo "    sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "sgxemu: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh once, quietly.
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
