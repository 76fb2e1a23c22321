#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make demo`: examples/hello, an SGX program written for Linux on SGX
# hardware, run unmodified under `sgxemu run`, told step by step.
# Usage: examples/demo.sh BUILD_DIR
set -euo pipefail

build=${1:-build}
sgxemu="$build/src/cli/sgxemu"
enclave="$build/examples/hello/hello_enclave.elf"
host="$build/examples/hello/hello-host"
work="$build/demo"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say()  { printf '   %s\n' "$*"; }
show() { sed 's/^/   | /'; }
# A JSON number from the stats file: field FILE KEY
field() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }

for f in "$sgxemu" "$host" "$enclave"; do
	[[ -e $f ]] || { echo "demo: $f missing: build first (make demo does)" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
# A private platform key for the demo, so nothing is left in your home.
export SGXEMU_KEY_FILE="$work/platform.key"

step "1. The emulated platform"
say "sgxemu emulates an SGX2 CPU and the Linux SGX driver; CPUID leaf 0x12 says:"
"$sgxemu" info | show

step "2. Sign the enclave, as for real hardware"
say "examples/hello/hello_enclave.elf is a freestanding enclave; its SIGSTRUCT is"
say "made with an RSA-3072 key (exponent 3), as SGX requires:"
"$sgxemu" keygen "$work/signing-key.pem" | show
"$sgxemu" sign --key "$work/signing-key.pem" -o "$work/hello.sig" "$enclave" | show

step "3. Run an unmodified SGX program"
say "hello-host knows nothing of sgxemu: it opens /dev/sgx_enclave, builds the"
say "enclave with the SGX_IOC_ENCLAVE_* ioctls and calls into it through the"
say "vDSO's __vdso_sgx_enter_enclave. sgxemu run gives it all of that:"
say "\$ sgxemu run -- hello-host hello_enclave.elf hello.sig greet"
"$sgxemu" run -- "$host" "$enclave" "$work/hello.sig" greet | show

step "4. Seal a secret, unseal it in a second run"
say "The enclave derives its SEAL key with EGETKEY (bound to the signer) and"
say "encrypts; a new process - a new enclave - derives the same key and decrypts:"
"$sgxemu" run -- "$host" "$enclave" "$work/hello.sig" seal "$work/secret.sealed" \
	"the answer is 42" | show
"$sgxemu" run -- "$host" "$enclave" "$work/hello.sig" unseal "$work/secret.sealed" | show
say "A blob altered on disk is refused:"
cp "$work/secret.sealed" "$work/tampered.sealed"
printf '\x00' | dd of="$work/tampered.sealed" bs=1 seek=60 conv=notrunc status=none
if "$sgxemu" run -- "$host" "$enclave" "$work/hello.sig" unseal "$work/tampered.sealed" \
	2>&1 | show; then
	echo "demo: a tampered blob was unsealed" >&2
	exit 1
fi

step "5. Local attestation between two enclaves"
say "Enclave A makes an EREPORT for enclave B; only B (and the CPU) can get the"
say "REPORT key that checks its MAC:"
"$sgxemu" run -- "$host" "$enclave" "$work/hello.sig" attest | show

step "6. An enclave larger than the EPC"
say "With 4 MiB of EPC and an 8 MiB heap, the enclave pages out to its encrypted"
say "\"SGX backing\" store (EWB) and back (ELDU) as it writes and checks every page:"
"$sgxemu" sign --key "$work/signing-key.pem" --heap 8M -o "$work/hello-8m.sig" "$enclave" >/dev/null
"$sgxemu" run --epc 4M --stats "$work/stats.json" -- \
	"$host" --heap 8M "$enclave" "$work/hello-8m.sig" sweep | show
say "EPC pages written out (EWB): $(field "$work/stats.json" ewb), loaded back (ELDU):" \
	"$(field "$work/stats.json" eldu), reclaim passes: $(field "$work/stats.json" reclaim_passes)"
say "Enclave page faults sgxemu resolved without the program noticing:" \
	"$(field "$work/stats.json" faults_resolved) (after an AEX, as they had to wait:" \
	"$(field "$work/stats.json" fault_retries))"

step "7. EINIT checks the signature and the measurement"
say "A SIGSTRUCT with one bit flipped: SGX_IOC_ENCLAVE_INIT fails with EPERM, as on"
say "hardware:"
cp "$work/hello.sig" "$work/tampered.sig"
byte=$(od -An -tu1 -j 600 -N1 "$work/tampered.sig" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$work/tampered.sig" bs=1 seek=600 conv=notrunc status=none
if "$sgxemu" run -- "$host" "$enclave" "$work/tampered.sig" greet 2>&1 | show; then
	echo "demo: a tampered SIGSTRUCT was accepted" >&2
	exit 1
fi

step "Done"
say "Run any SGX program the same way: sgxemu run [--epc SIZE] [--stats FILE] -- PROGRAM"
