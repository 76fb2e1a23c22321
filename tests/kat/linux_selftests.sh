#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Known-answer tests against the Linux SGX selftest (Debian linux-source-6.1).
#
# Extracts tools/testing/selftests/sgx and the few files it includes from
# /usr/src/linux-source-6.1.tar.xz into CACHE (once), builds it unmodified
# with its own Makefile, links our oracle selftest_measure.c against the
# selftest's load.o, sigstruct.o and sign_key.o, and checks sgxemu against
# what the selftest's own code computes for test_encl.elf:
#
#   mrenclave  sgxemu measure --heap H == encl_load(H) + encl_measure()
#              for several heaps, and sgxemu measure --key sign_key.pem
#              prints SHA-256 of the key's little-endian modulus
#   sigstruct  sgxemu sign --key sign_key.pem --heap 4096 writes the very
#              bytes encl_measure() signs (PKCS#1 v1.5 is deterministic);
#              both pass sigstruct_verify(); a tampered copy does not; a
#              fresh key from sgxemu keygen signs with every field set
#
# conformance  the selftest binary test_sgx itself, unmodified, run under
#              `sgxemu run [--epc EPC]`: every test must pass, except those
#              listed in SRCDIR/selftests.known-failures for this
#              configuration (a listed test that passes fails the run too,
#              so the list only shrinks)
#
# Usage: linux_selftests.sh MODE SGXEMU SIGSTRUCT_CHECK SRCDIR CACHE [EPC]
#   MODE             mrenclave | sigstruct | conformance
#   SGXEMU           the sgxemu executable
#   SIGSTRUCT_CHECK  tests/kat/sigstruct_check executable
#   SRCDIR           tests/kat in the source tree (for selftest_measure.c)
#   CACHE            a directory under the build tree for the extracted
#                    sources and the selftest build
#   EPC              conformance: the EPC size to run with (default: sgxemu's),
#                    or "policy": the default EPC under SRCDIR/selftests.policy
# LINUX_SOURCE_TARBALL overrides the tarball path.
set -euo pipefail

die() {
	echo "linux_selftests.sh: error: $*" >&2
	exit 1
}

[[ $# -eq 5 || $# -eq 6 ]] ||
	die "usage: $0 mrenclave|sigstruct|conformance SGXEMU SIGSTRUCT_CHECK SRCDIR CACHE [EPC]"
mode=$1
sgxemu=$2
check=$3
srcdir=$4
cache=$5
epc=${6:-}
case $mode in
mrenclave|sigstruct|conformance) ;;
*) die "unknown mode '$mode'" ;;
esac

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
top=linux-source-6.1

# Everything the selftest build reads: its directory, lib.mk and the x86
# compiler probe it runs, the kselftest headers main.c includes, the three
# kernel SGX headers defines.h includes, and the tools/include headers those
# pull in (found with gcc -M; kept to what gcc needs).
members=(
	"$top/tools/testing/selftests/sgx"
	"$top/tools/testing/selftests/lib.mk"
	"$top/tools/testing/selftests/kselftest.h"
	"$top/tools/testing/selftests/kselftest_harness.h"
	"$top/tools/testing/selftests/x86/check_cc.sh"
	"$top/tools/testing/selftests/x86/trivial_64bit_program.c"
	"$top/arch/x86/include/asm/sgx.h"
	"$top/arch/x86/include/asm/enclu.h"
	"$top/arch/x86/include/uapi/asm/sgx.h"
	"$top/tools/include/asm-generic/bitsperlong.h"
	"$top/tools/include/linux/bits.h"
	"$top/tools/include/linux/build_bug.h"
	"$top/tools/include/linux/compiler-gcc.h"
	"$top/tools/include/linux/compiler.h"
	"$top/tools/include/linux/compiler_types.h"
	"$top/tools/include/linux/const.h"
	"$top/tools/include/linux/types.h"
	"$top/tools/include/uapi/asm-generic/bitsperlong.h"
	"$top/tools/include/uapi/linux/const.h"
	"$top/tools/include/vdso/bits.h"
	"$top/tools/include/vdso/const.h"
)

for tool in tar xz make gcc nm od cmp sha256sum flock openssl realpath; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $sgxemu ]] || die "sgxemu executable '$sgxemu' not found"
[[ -x $check ]] || die "sigstruct_check executable '$check' not found"
sgxemu=$(realpath "$sgxemu")
check=$(realpath "$check")
srcdir=$(realpath "$srcdir")
[[ -f $tarball ]] ||
	die "$tarball not found: the SGX selftest KAT needs Debian's kernel" \
		"sources (apt-get install linux-source-6.1)"
[[ -f /usr/include/openssl/pem.h ]] ||
	die "OpenSSL headers not found: the selftest needs libssl-dev (apt-get install libssl-dev)"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tree=$cache/src/$top
sgxdir=$tree/tools/testing/selftests/sgx
out=$cache/out
stamp=$cache/src/.extracted
want_stamp=$(printf '%s\n' "$tarball" "${members[@]}" | sha256sum | cut -d' ' -f1)

# Extraction and build are shared by the KAT modes, which meson may run in
# parallel.
exec 9>"$cache/lock"
flock 9

if [[ ! -f $stamp || $(cat "$stamp") != "$want_stamp" ]]; then
	echo "extracting the SGX selftest from $tarball"
	rm -rf "$cache/src" "$cache/src.tmp" "$out"
	mkdir -p "$cache/src.tmp"
	tar -xJf "$tarball" -C "$cache/src.tmp" "${members[@]}" ||
		die "extracting ${members[*]} from $tarball failed"
	echo "$want_stamp" >"$cache/src.tmp/.extracted"
	mv "$cache/src.tmp" "$cache/src"
fi

mkdir -p "$out"
# The selftest's own Makefile, as kselftest would run it (no outer make's
# flags leaking in).
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$sgxdir" OUTPUT="$out" >"$cache/make.log" 2>&1; then
	cat "$cache/make.log" >&2
	die "building the SGX selftest failed (log above, $cache/make.log)"
fi
for f in test_encl.elf test_sgx load.o sigstruct.o sign_key.o; do
	[[ -f $out/$f ]] || die "the selftest build did not produce $f (see $cache/make.log)"
done

# The oracle intercepts exactly the libc calls load.c makes on the device.
undef=$(nm -u "$out/load.o" | awk '{ print $NF }')
for sym in open stat; do
	grep -qx "$sym" <<<"$undef" ||
		die "load.o does not call $sym(); update the --wrap list of selftest_measure"
done
for sym in open64 openat openat64 stat64 fstatat __xstat __xstat64; do
	if grep -qx "$sym" <<<"$undef"; then
		die "load.o calls $sym(), which selftest_measure does not wrap"
	fi
done
if ! gcc -Wall -Wextra -Werror -g -I"$sgxdir" -I"$tree/tools/include" -z noexecstack \
	-o "$out/selftest_measure" "$srcdir/selftest_measure.c" \
	"$out/load.o" "$out/sigstruct.o" "$out/sign_key.o" -lcrypto \
	-Wl,--wrap=open,--wrap=stat >"$cache/harness.log" 2>&1; then
	cat "$cache/harness.log" >&2
	die "building selftest_measure failed"
fi

flock -u 9

work=$cache/run-$mode${epc:+-$epc}
rm -rf "$work"
mkdir -p "$work"
elf=$out/test_encl.elf
key=$sgxdir/sign_key.pem

# field NAME < text: the value of the "NAME: value" line.
field() {
	awk -v k="$1:" '$1 == k { print $2; found = 1 } END { exit !found }'
}

# bytes FILE OFFSET LEN: lowercase hex of LEN bytes at OFFSET.
bytes() {
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# MRSIGNER of a PEM key computed without sgxemu: SHA-256 of the modulus
# written little endian in 384 bytes.
openssl_mrsigner() {
	local be esc='' i
	be=$(openssl rsa -in "$1" -noout -modulus | sed 's/^Modulus=//')
	[[ ${#be} -eq 768 ]] || die "$1: modulus is not 3072 bits"
	for ((i = ${#be} - 2; i >= 0; i -= 2)); do
		esc+="\\x${be:i:2}"
	done
	# shellcheck disable=SC2059 # the escapes are the point
	printf "$esc" | sha256sum | cut -d' ' -f1
}

expect_eq() {
	if [[ $2 != "$3" ]]; then
		echo "FAIL: $1" >&2
		echo "  selftest/expected: $3" >&2
		echo "  sgxemu:            $2" >&2
		exit 1
	fi
	echo "ok: $1: $2"
}

selftest() {
	(cd "$out" && ./selftest_measure "$@")
}

case $mode in
mrenclave)
	for heap in 4096 8192 65536 1048576; do
		theirs=$(selftest test_encl.elf "$heap" | field mrenclave) ||
			die "selftest_measure failed for heap $heap"
		ours=$("$sgxemu" measure --heap "$heap" "$elf" | field mrenclave) ||
			die "sgxemu measure failed for heap $heap"
		expect_eq "MRENCLAVE of test_encl.elf, heap $heap" "$ours" "$theirs"
	done

	want=$(openssl_mrsigner "$key")
	ours=$("$sgxemu" measure --heap 4096 --key "$key" "$elf" | field mrsigner) ||
		die "sgxemu measure --key failed"
	expect_eq "MRSIGNER of sign_key.pem (sha256 of the LE modulus)" "$ours" "$want"
	;;

sigstruct)
	selftest test_encl.elf 4096 "$work/selftest.bin" >/dev/null ||
		die "selftest_measure failed"
	"$sgxemu" sign --key "$key" --heap 4096 -o "$work/sgxemu.bin" "$elf" >/dev/null ||
		die "sgxemu sign failed"
	expect_eq "SIGSTRUCT size" "$(stat -c %s "$work/sgxemu.bin")" 1808

	want=$(openssl_mrsigner "$key")
	theirs_mr=$(bytes "$work/selftest.bin" 960 32)
	v=$("$check" "$work/sgxemu.bin") || die "sgxemu's SIGSTRUCT fails sigstruct_verify: $v"
	expect_eq "sgxemu SIGSTRUCT verifies, MRSIGNER" "$(field mrsigner <<<"$v")" "$want"
	expect_eq "sgxemu SIGSTRUCT ENCLAVEHASH" "$(field mrenclave <<<"$v")" "$theirs_mr"
	v=$("$check" "$work/selftest.bin") || die "the selftest's SIGSTRUCT fails sigstruct_verify: $v"
	expect_eq "selftest SIGSTRUCT verifies, MRSIGNER" "$(field mrsigner <<<"$v")" "$want"

	if ! cmp "$work/sgxemu.bin" "$work/selftest.bin"; then
		echo "FAIL: sgxemu sign and the selftest's encl_measure() disagree:" >&2
		cmp -l "$work/sgxemu.bin" "$work/selftest.bin" | head -20 >&2
		exit 1
	fi
	echo "ok: sgxemu sign output is byte-identical to the selftest's SIGSTRUCT"

	# A flipped ENCLAVEHASH bit must break the signature.
	cp "$work/sgxemu.bin" "$work/tampered.bin"
	printf '\x01' | dd of="$work/tampered.bin" bs=1 seek=960 conv=notrunc status=none
	if "$check" "$work/tampered.bin" >/dev/null; then
		die "a tampered SIGSTRUCT passes sigstruct_verify"
	fi
	echo "ok: tampered SIGSTRUCT is rejected"

	# A fresh key, and every SIGSTRUCT field sgxemu sign can set.
	newkey=$work/key.pem
	key_mr=$("$sgxemu" keygen "$newkey" | field mrsigner) || die "sgxemu keygen failed"
	expect_eq "keygen mode" "$(stat -c %a "$newkey")" 600
	expect_eq "keygen MRSIGNER" "$key_mr" "$(openssl_mrsigner "$newkey")"
	before=$(sha256sum <"$newkey" | cut -d' ' -f1)
	if "$sgxemu" keygen -o "$newkey" 2>"$work/keygen.err"; then
		die "sgxemu keygen overwrote $newkey"
	fi
	expect_eq "keygen refuses to overwrite" "$(sha256sum <"$newkey" | cut -d' ' -f1)" "$before"

	"$sgxemu" sign --key "$newkey" --heap 64K --vendor intel --date 20240131 \
		--attributes 0x6 --attributes-mask 0xfffffffffffffffb --xfrm 0x7 --xfrm-mask 0x3 \
		--miscselect 0x1 --misc-mask 0xffffffff --isvprodid 0x1234 --isvsvn 42 \
		-o "$work/fields.bin" "$elf" >/dev/null || die "sgxemu sign with all fields failed"
	v=$("$check" "$work/fields.bin") || die "SIGSTRUCT with all fields fails sigstruct_verify: $v"
	expect_eq "new key SIGSTRUCT verifies, MRSIGNER" "$(field mrsigner <<<"$v")" "$key_mr"
	expect_eq "ENCLAVEHASH, heap 64K" "$(field mrenclave <<<"$v")" \
		"$("$sgxemu" measure --heap 65536 "$elf" | field mrenclave)"
	expect_eq "VENDOR" "$(bytes "$work/fields.bin" 16 4)" 86800000
	expect_eq "DATE (BCD)" "$(bytes "$work/fields.bin" 20 4)" 31012420
	expect_eq "MISCSELECT, MISCMASK" "$(bytes "$work/fields.bin" 900 8)" 01000000ffffffff
	expect_eq "ATTRIBUTES" "$(bytes "$work/fields.bin" 928 8)" 0600000000000000
	expect_eq "XFRM" "$(bytes "$work/fields.bin" 936 8)" 0700000000000000
	expect_eq "ATTRIBUTEMASK" "$(bytes "$work/fields.bin" 944 8)" fbffffffffffffff
	expect_eq "XFRMMASK" "$(bytes "$work/fields.bin" 952 8)" 0300000000000000
	expect_eq "ISVPRODID, ISVSVN" "$(bytes "$work/fields.bin" 1024 4)" 34122a00
	hdr=$(bytes "$work/fields.bin" 0 16)$(bytes "$work/fields.bin" 24 16)
	expect_eq "HEADER, HEADER2" "$hdr" \
		06000000e1000000000001000000000001010000600000006000000001000000
	expect_eq "EXPONENT" "$(bytes "$work/fields.bin" 512 4)" 03000000
	;;
conformance)
	config=${epc:-default}
	known=$srcdir/selftests.known-failures
	# test_sgx reads test_encl.elf from its working directory.
	cp "$out/test_sgx" "$out/test_encl.elf" "$work/"
	args=()
	if [[ $epc == policy ]]; then
		args=(--policy "$srcdir/selftests.policy")
	elif [[ -n $epc ]]; then
		args=(--epc "$epc")
	fi
	echo "running: sgxemu run ${args[*]} -- ./test_sgx"
	(cd "$work" && "$sgxemu" run "${args[@]}" -- ./test_sgx) >"$work/tap.log" 2>&1 || true
	cat "$work/tap.log"
	# One line per test: NAME pass|fail|skip.
	awk '
		function bare(n) { sub(/^enclave\./, "", n); return n }
		/^#  RUN / { name = bare($3) }
		/^ok [0-9]+ # SKIP/ { print name, "skip"; next }
		/^ok [0-9]+ / { print bare($3), "pass"; next }
		/^not ok [0-9]+ / { print bare($4), "fail"; next }
	' "$work/tap.log" >"$work/results"
	total=$(wc -l <"$work/results")
	pass=$(grep -c ' pass$' "$work/results" || true)
	fail=$(grep -c ' fail$' "$work/results" || true)
	skip=$(grep -c ' skip$' "$work/results" || true)
	echo
	echo "conformance ($config): $pass passed, $fail failed, $skip skipped of $total"
	bad=0
	[[ $total -eq 16 ]] || { echo "FAIL: expected 16 tests, saw $total" >&2; bad=1; }
	while read -r name result; do
		listed=0
		grep -qE "^$config[[:space:]]+$name([[:space:]]|$)" "$known" 2>/dev/null && listed=1
		if [[ $result != pass && $listed -eq 0 ]]; then
			echo "FAIL: $name: $result (not a known failure)" >&2
			bad=1
		elif [[ $result == pass && $listed -eq 1 ]]; then
			echo "FAIL: $name passes now: remove it from $(basename "$known")" >&2
			bad=1
		elif [[ $listed -eq 1 ]]; then
			echo "known failure: $name ($result)"
		fi
	done <"$work/results"
	[[ $bad -eq 0 ]] || exit 1
	;;
esac
echo "PASS: $mode${epc:+ (EPC $epc)}"
