#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Programs written against the plain Linux SGX interface, run under sgxemu.
# Usage: run.sh preload SGXEMU PRELOAD_CHECK
#        run.sh raw-loader SGXEMU RAW_LOADER ENCLAVE.elf WORKDIR
set -euo pipefail
mode=$1
sgxemu=$2
case $mode in
preload)
	exec "$sgxemu" run --epc 8M -- "$3"
	;;
raw-loader)
	loader=$3 elf=$4 work=$5
	rm -rf "$work"
	mkdir -p "$work"
	export SGXEMU_KEY_FILE=$work/platform.key
	"$sgxemu" keygen "$work/key.pem" >/dev/null
	"$sgxemu" sign --key "$work/key.pem" --miscselect 1 -o "$work/enclave.sig" "$elf" >/dev/null
	exec "$sgxemu" run -- "$loader" "$elf" "$work/enclave.sig"
	;;
*)
	echo "run.sh: unknown mode '$mode'" >&2
	exit 2
	;;
esac
