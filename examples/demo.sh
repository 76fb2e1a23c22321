#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make demo`: what sgxemu can do today, told step by step with the example
# enclave in examples/hello. Usage: examples/demo.sh BUILD_DIR
set -euo pipefail

build=${1:-build}
sgxemu="$build/src/cli/sgxemu"
enclave="$build/examples/hello/hello_enclave.elf"
work="$build/demo"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say()  { printf '   %s\n' "$*"; }

[[ -x "$sgxemu" && -f "$enclave" ]] || { echo "demo: build first (make demo does)" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
# A private platform key for the demo, so nothing is left in your home.
export SGXEMU_KEY_FILE="$work/platform.key"

step "1. The emulated platform"
say "sgxemu emulates an SGX2 CPU; this is what CPUID leaf 0x12 reports:"
"$sgxemu" info | sed 's/^/   | /'

step "2. A signing key (RSA-3072, public exponent 3, as SGX requires)"
"$sgxemu" keygen "$work/signing-key.pem" | sed 's/^/   | /'

step "3. Measure the example enclave"
say "examples/hello is a freestanding enclave image laid out the way the Linux"
say "selftest loader expects: TCS pages, then code (RX), then data (RW)."
"$sgxemu" measure "$enclave" | sed 's/^/   | /'

step "4. Sign it: the SIGSTRUCT carries MRENCLAVE and the signer's public key"
"$sgxemu" sign --key "$work/signing-key.pem" -o "$work/hello.sigstruct" "$enclave" | sed 's/^/   | /'
say "wrote $(stat -c %s "$work/hello.sigstruct")-byte SIGSTRUCT to $work/hello.sigstruct"

step "5. Build it on the emulated CPU and run EINIT"
say "ECREATE, then EADD + 16x EEXTEND per page, then EINIT, which checks the"
say "signature, the measurement and launch control, as the hardware does:"
"$sgxemu" verify --sigstruct "$work/hello.sigstruct" "$enclave" | sed 's/^/   | /'

step "6. EINIT refuses a tampered SIGSTRUCT"
cp "$work/hello.sigstruct" "$work/tampered.sigstruct"
# Flip one bit of the signature (offset 516).
byte=$(od -An -tu1 -j 600 -N1 "$work/tampered.sigstruct" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$work/tampered.sigstruct" bs=1 seek=600 conv=notrunc status=none
if "$sgxemu" verify --sigstruct "$work/tampered.sigstruct" "$enclave" | sed 's/^/   | /'; then
	echo "demo: a tampered SIGSTRUCT was accepted" >&2
	exit 1
fi

step "7. ...and a SIGSTRUCT made for a different enclave"
say "Signed with a 64 KiB heap, loaded without it: the measurements differ."
"$sgxemu" sign --key "$work/signing-key.pem" --heap 64K -o "$work/other.sigstruct" "$enclave" >/dev/null
if "$sgxemu" verify --sigstruct "$work/other.sigstruct" "$enclave" | sed 's/^/   | /'; then
	echo "demo: a SIGSTRUCT for another measurement was accepted" >&2
	exit 1
fi

step "Done"
say "Next in sgxemu: the /dev/sgx_enclave driver, running enclave code, EPC paging,"
say "and 'sgxemu run -- PROGRAM' for unmodified SGX programs."
