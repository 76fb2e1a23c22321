#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the ioctl fuzzer (tests/fuzz/corpus/ioctl).

Each seed is a meaningful call sequence in fuzz_ioctl.c's input format:
the selftest-shaped enclave built and used, each SGX2 flow (EMODPR then
EACCEPT, trim/accept/remove, a page made a TCS), and the error paths of
every call. The fuzzer mutates from there. Run from anywhere:

    tests/fuzz/gen_corpus.py [OUTDIR]

Seeds are named after what they do; rerunning rewrites them identically.
Without OUTDIR it also writes tests/fuzz/crashers/ioctl: reproducers of
known bugs, not run by the test suite (see KNOWN_FAILING).
"""
import os
import sys

(OPEN, CLOSE, CREATE, ADD, INIT, PROVISION, RESTRICT, MODT, REMOVE, ENCLU,
 MMAP, MPROTECT, MUNMAP, FAULT, RAW, EVICT) = range(16)

SGX2, TINY, SGX1, MICRO, SGX1_SMALL = 0, 2, 3, 4, 5

# secinfo_pick[] and accept_pick[] indices in fuzz_ioctl.c
TCS, R, RW, RX, RWX = 0, 1, 2, 3, 4
ACC_R_PR, ACC_RW_PR, ACC_TRIM, ACC_TCS, ACC_PR, ACC_RX_PR, ACC_PENDING = range(7)
PROT_R, PROT_W, PROT_X = 1, 2, 4
SLOT_PAGES = 32                 # region pages per slot
A_READ, A_WRITE, A_EXEC = 0, 1, 2


def open_(slot):
    return [OPEN, slot << 1]


def create(slot, size=3, base=None, attr=0, misc=1):
    return [CREATE, slot, size, slot if base is None else base, attr, misc]


def add(slot, page, npages, si, measure=True, extra=0, tcs_image=False):
    """ADD_PAGES; @tcs_image: a REG page holding a TCS image (for EMODT)."""
    return [ADD, slot, page, (npages - 1) | extra, si | (0x40 if tcs_image else 0),
            1 if measure else 0]


def init(slot, variant=0):
    return [INIT, slot, variant]


def build(slot, size=3):
    """The selftest's shape: TCS, SSA, code, 4 data pages, an R page."""
    return (open_(slot) + create(slot, size) + add(slot, 0, 1, TCS) + add(slot, 1, 1, RW) +
            add(slot, 2, 1, RX) + add(slot, 3, 4, RW) + add(slot, 7, 1, R) + init(slot))


def mmap(slot, page, npages, prot, kind=0, at=None):
    """Map @slot's enclave at its own slot, or at region page @at."""
    where = slot * SLOT_PAGES + page if at is None else at
    return [MMAP, (slot << 3) | kind, where, npages - 1, prot]


def build2(slot):
    """build() plus a second TCS at page 8 (SSA at 9) and a REG page holding
    a TCS image at page 10 (SSA at 11), for the flows that trim a TCS."""
    return (open_(slot) + create(slot, 3) + add(slot, 0, 1, TCS) + add(slot, 1, 1, RW) +
            add(slot, 2, 1, RX) + add(slot, 3, 4, RW) + add(slot, 7, 1, R) +
            add(slot, 8, 1, TCS) + add(slot, 9, 1, RW) + add(slot, 10, 1, RW, tcs_image=True) +
            add(slot, 11, 1, RW) + init(slot))


def map_all(slot):
    return (mmap(slot, 0, 2, PROT_R | PROT_W) + mmap(slot, 2, 1, PROT_R | PROT_X) +
            mmap(slot, 3, 4, PROT_R | PROT_W) + mmap(slot, 7, 1, PROT_R))


def fault(slot, page, access, off=0):
    return [FAULT, slot * SLOT_PAGES + page, off, access]


def restrict(slot, page, npages, perms, quirks=0):
    return [RESTRICT, slot, page, npages - 1, perms, quirks]


def modt(slot, page, npages, tcs, quirks=0):
    return [MODT, slot, page, npages - 1, 1 if tcs else 0, quirks]


def remove(slot, page, npages, quirks=0):
    return [REMOVE, slot, page, npages - 1, quirks]


def enclu(slot, page, si, emodpe=False):
    """EACCEPT (or EMODPE) with accept_pick[@si], or raw SECINFO flags >= 0x100."""
    if si >= 0x100:
        return [ENCLU, slot, page, 0x80, 1 if emodpe else 0, si & 0xff, si >> 8]
    return [ENCLU, slot, page, si, 1 if emodpe else 0]


def mprotect(slot, page, npages, prot):
    return [MPROTECT, slot * SLOT_PAGES + page, npages - 1, prot]


def munmap(slot, page, npages):
    return [MUNMAP, slot * SLOT_PAGES + page, npages - 1]


def way_in(slot):
    """Fault in what an enclave thread needs after an eviction: the TCS, its
    SSA and a readable page for the SECINFO (op_enclu uses resident pages)."""
    return fault(slot, 0, A_READ) + fault(slot, 1, A_READ) + fault(slot, 3, A_READ)


def evict(how=0):
    """0 one pass, 1 ksgxd's step, 2 down to the high watermark, 3 all."""
    return [EVICT, how]


def raw(slot, cmd, sel, payload=b""):
    return [RAW, slot, cmd, sel] + list(payload.ljust(48, b"\0"))


SEEDS = {
    # Building and using one enclave.
    "build": [SGX2] + build(0),
    "build_map_touch": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    fault(0, 3, A_READ, 8) + fault(0, 2, A_EXEC) + fault(0, 7, A_WRITE) + fault(0, 0, A_READ),
    "build_two_close_one": [SGX2] + build(0) + build(1, 2) + map_all(1) + fault(1, 4, A_READ) +
    [CLOSE, 1] + fault(1, 4, A_WRITE) + munmap(1, 0, 8),
    "build_sgx1": [SGX1] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    restrict(0, 3, 1, PROT_R) + modt(0, 3, 1, False) + remove(0, 3, 1),
    "tiny_epc_enomem": [TINY] + build(0) + build(1) + build(2),
    "same_elrange_twice": [SGX2] + build(0) + open_(1) + create(1, 3, base=0) +
    add(1, 0, 1, TCS) + add(1, 3, 1, RW) + init(1) + map_all(0) + fault(0, 3, A_WRITE) +
    mmap(1, 0, 4, PROT_R | PROT_W, at=0) + fault(0, 3, A_READ) + fault(0, 0, A_READ) +
    munmap(0, 0, 4) + fault(0, 3, A_READ),

    # SGX2 flows (the selftests' shapes).
    "restrict_then_accept": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    restrict(0, 3, 1, PROT_R) + fault(0, 3, A_WRITE) + enclu(0, 3, ACC_RW_PR) +
    enclu(0, 3, ACC_R_PR) + fault(0, 3, A_READ) + fault(0, 3, A_WRITE),
    "restrict_emodpe": [SGX2] + build(0) + map_all(0) + restrict(0, 4, 2, 0) +
    enclu(0, 4, ACC_PR) + enclu(0, 4, RW, emodpe=True) + fault(0, 4, A_WRITE) +
    fault(0, 5, A_READ),
    "restrict_emodpe_raw": [SGX2] + build(0) + map_all(0) + restrict(0, 3, 1, PROT_R) +
    enclu(0, 3, ACC_R_PR) + enclu(0, 3, 0x203, emodpe=True) + fault(0, 3, A_WRITE) +
    enclu(0, 3, 0x207, emodpe=True) + fault(0, 3, A_EXEC),
    "restrict_rwx_on_r": [SGX2] + build(0) + restrict(0, 7, 1, 7) + enclu(0, 7, ACC_R_PR),
    "restrict_tcs": [SGX2] + build(0) + restrict(0, 0, 1, PROT_R) + restrict(0, 0, 16, PROT_R),
    "restrict_hole": [SGX2] + build(0) + restrict(0, 6, 4, PROT_R) + restrict(0, 12, 1, 1),
    "trim_accept_remove": [SGX2] + build(0) + map_all(0) + fault(0, 4, A_READ) +
    modt(0, 4, 1, False) + fault(0, 4, A_READ) + remove(0, 4, 1) + enclu(0, 4, ACC_TRIM) +
    remove(0, 4, 1) + fault(0, 4, A_READ) + remove(0, 4, 1),
    "remove_no_eaccept": [SGX2] + build(0) + modt(0, 5, 1, False) + remove(0, 5, 1),
    "trim_range_remove": [SGX2] + build(0) + modt(0, 3, 4, False) + enclu(0, 3, ACC_TRIM) +
    enclu(0, 4, ACC_TRIM) + enclu(0, 6, ACC_TRIM) + remove(0, 3, 4) + remove(0, 5, 2),
    "trim_tcs": [SGX2] + build2(0) + modt(0, 10, 1, True) + enclu(0, 10, ACC_TCS) +
    modt(0, 0, 1, False) + enclu(0, 0, ACC_TRIM) + remove(0, 0, 1) + modt(0, 8, 1, False) +
    enclu(0, 8, ACC_TRIM) + remove(0, 8, 2),
    "reg_to_tcs": [SGX2] + build2(0) + map_all(0) + mmap(0, 8, 4, PROT_R | PROT_W) +
    fault(0, 10, A_WRITE) + modt(0, 10, 1, True) + fault(0, 10, A_READ) +
    enclu(0, 10, ACC_TCS) + modt(0, 0, 1, False) + enclu(0, 0, ACC_TRIM) + remove(0, 0, 1) +
    modt(0, 10, 1, False) + enclu(0, 10, ACC_TRIM) + remove(0, 10, 1),
    "reg_to_tcs_bad_image": [SGX2] + build(0) + modt(0, 5, 1, True) + enclu(0, 5, ACC_TCS) +
    modt(0, 5, 1, False),
    "reg_to_tcs_eperm": [SGX2] + build(0) + modt(0, 7, 1, True) + modt(0, 2, 1, True) +
    modt(0, 6, 2, True) + modt(0, 12, 1, False) + modt(0, 6, 1, True),
    "modt_twice": [SGX2] + build(0) + modt(0, 3, 1, True) + modt(0, 3, 1, False) +
    modt(0, 4, 1, False) + modt(0, 4, 1, False) + modt(0, 4, 1, True),
    "sgx2_before_init": [SGX2] + open_(0) + create(0) + add(0, 0, 1, TCS) +
    restrict(0, 0, 1, 1) + modt(0, 0, 1, False) + remove(0, 0, 1),
    "sgx2_bad_args": [SGX2] + build(0) + restrict(0, 3, 1, PROT_W) + restrict(0, 3, 1, 0x88) +
    restrict(0, 3, 1, 1, quirks=1) + restrict(0, 3, 1, 1, quirks=2) +
    restrict(0, 3, 1, 1, quirks=4) + restrict(0, 3, 1, 1, quirks=8) + restrict(0, 16, 2, 1) +
    modt(0, 3, 1, False, quirks=1) + [MODT, 0, 3, 0, 0x82, 0] + [MODT, 0, 3, 0, 0xc4, 0] +
    remove(0, 3, 1, quirks=2),
    "sgx2_arg_pointers": [SGX2] + build(0) + restrict(0, 3, 1, 1, quirks=0x80) +
    restrict(0, 3, 1, 1, quirks=0xa0) + restrict(0, 3, 1, 1, quirks=0xc0) +
    restrict(0, 4, 1, 1, quirks=0xe0) + modt(0, 5, 1, False, quirks=0xc0) +
    enclu(0, 5, ACC_TRIM) + remove(0, 5, 1, quirks=0xc0) + remove(0, 5, 1, quirks=0x80),

    # Build errors.
    "create_errors": [SGX2] + open_(0) + create(0, 0x83) + create(0, 0x80) +
    create(0, 3, base=0x80) + create(0, 3, attr=8) + create(0, 3, attr=16) +
    create(0, 3, attr=32) + create(0, 3, misc=0x81) + create(0, 3, misc=0xc1) +
    create(0, 3) + create(0, 3),
    "add_errors": [SGX2] + open_(0) + add(0, 0, 1, RW) + create(0, 1) +
    add(0, 0, 1, RW, extra=0x80) + add(0, 0, 1, RW, extra=0x40) + add(0, 3, 2, RW) +
    add(0, 0, 1, 6) + add(0, 0, 1, 7) + [ADD, 0, 0, 0, 0x80, 0, 0x0b, 0x02] +
    [ADD, 0, 0, 0, 2, 2] + [ADD, 0, 0, 0, 2, 4] + [ADD, 0, 0, 0, 2, 0x40] +
    [ADD, 0, 1, 3, 2, 0x81] + add(0, 0, 1, RW) + add(0, 0, 1, RW) + init(0),
    "add_from_enclave": [SGX2] + build(0) + map_all(0) + open_(1) + create(1, 1) +
    [ADD, 1, 0, 3, 2, 0x06] + add(1, 2, 1, TCS) + init(1),
    "init_errors": [SGX2] + open_(0) + init(0) + create(0) + add(0, 0, 1, TCS) +
    init(0, 1) + init(0, 2) + init(0, 3) + init(0, 0x80) + init(0, 0x40) + init(0, 0) +
    init(0, 0) + add(0, 1, 1, RW),
    "provision": [SGX2] + [OPEN, 1] + open_(0) + create(0, attr=2) + add(0, 0, 1, TCS) +
    init(0) + [PROVISION, 0, 3] + [PROVISION, 0, 4] + [PROVISION, 0, 0x0b] +
    [PROVISION, 0, 0x40] + init(0) + [PROVISION, 4, 3] + [CLOSE, 4] + [PROVISION, 0, 3],
    "provision_key_allowed": [SGX2] + [OPEN, 1] + open_(0) + create(0, attr=3) +
    add(0, 0, 1, TCS) + [PROVISION, 0, 3] + init(0),
    "debug_kss": [SGX2] + open_(0) + create(0, attr=5) + add(0, 0, 1, TCS) +
    add(0, 1, 2, RWX) + init(0) + restrict(0, 1, 2, 5),

    # Mappings.
    "mmap_before_init": [SGX2] + open_(0) + create(0, 2) + mmap(0, 0, 16, 7) +
    mmap(0, 10, 2, 3) + add(0, 0, 1, TCS) + add(0, 1, 1, R) + mmap(0, 1, 1, 3) +
    mmap(0, 0, 2, 3, kind=1) + [FAULT, 0xf0, 0, 0] + [MPROTECT, 0xf0, 0, 1] +
    init(0) + mmap(0, 12, 2, 1) + mmap(0, 0, 2, 1) + fault(0, 1, A_READ) + [MUNMAP, 0xf0, 0],
    "mmap_kinds": [SGX2] + build(0) + mmap(0, 0, 2, 3, kind=1) + mmap(0, 3, 2, 3, kind=2) +
    mmap(0, 3, 2, 3, kind=3) + mmap(0, 3, 2, 3, kind=4) + mmap(4, 0, 1, 1) +
    [OPEN, 1] + mmap(4, 0, 1, 1) + [MUNMAP, 0xf0, 0] + [FAULT, 0xf0, 0, 0],
    "mprotect_matrix": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    mprotect(0, 3, 1, 1) + fault(0, 3, A_WRITE) + mprotect(0, 3, 1, 3) +
    fault(0, 3, A_WRITE) + mprotect(0, 3, 1, 7) + mprotect(0, 7, 1, 3) + mprotect(0, 0, 8, 0) +
    fault(0, 3, A_READ) + mprotect(0, 2, 1, 0x10) + mprotect(0, 2, 1, 0x20) +
    mprotect(0, 2, 1, 0x0d) + fault(0, 2, A_EXEC),
    "munmap_split": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    fault(0, 4, A_WRITE) + fault(0, 5, A_WRITE) + munmap(0, 4, 1) + fault(0, 4, A_READ) +
    fault(0, 5, A_READ) + mmap(0, 4, 1, 3) + fault(0, 4, A_READ) + [CLOSE, 0] +
    fault(0, 3, A_READ) + munmap(0, 0, 16),
    "map_over_other": [SGX2] + build(0) + open_(1) + create(1) + map_all(0) +
    fault(0, 3, A_WRITE) + mmap(1, 0, 4, 3, at=2) + fault(0, 3, A_READ) + fault(0, 1, A_READ) +
    add(1, 0, 1, TCS) + init(1) + fault(0, 3, A_READ) + [CLOSE, 0] +
    [CLOSE, 1] + munmap(0, 0, 16),
    "fault_everywhere": [SGX2] + build(0) + map_all(0) + mmap(0, 8, 8, 7) +
    sum((fault(0, p, a) for p in range(0, 16, 3) for a in (A_READ, A_WRITE, A_EXEC)), []),
    "fault_after_trim": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    modt(0, 3, 1, False) + fault(0, 3, A_READ) + fault(0, 3, A_WRITE) +
    enclu(0, 3, ACC_TRIM) + fault(0, 3, A_READ) + remove(0, 3, 1) + fault(0, 3, A_READ),

    # Anything goes.
    "raw_ioctls": [SGX2] + build(0) + raw(0, 0, 0) + raw(0, 1, 0) + raw(0, 2, 4) +
    raw(0, 3, 5) + raw(0, 4, 7) + raw(0, 5, 0, bytes([0, 0x30, 0, 0, 0, 0x10, 0, 0, 1])) +
    raw(0, 6, 0, bytes([0, 0x40, 0, 0, 0, 0x10, 0, 0, 4])) + raw(0, 7, 0) +
    [RAW, 0, 0x80, 0, 0xa4, 0x08, 0x00, 0x40] + [0] * 48 + raw(4, 1, 0),
    "closed_everything": [SGX2] + build(0) + map_all(0) + [CLOSE, 0] + [CLOSE, 0] +
    restrict(0, 3, 1, 1) + open_(0) + create(0) + [CLOSE, 4] + munmap(0, 0, 8),
    "empty": [SGX2],
    "empty_sgx1": [SGX1],
    # A read through a write-only (or exec-only) VMA of a page whose EPCM
    # permissions EMODPR lowered to R: on x86 the PTE of such a VMA is
    # readable and the EPCM allows the read, so it must succeed (it once
    # mapped VMA & EPCM = nothing and faulted forever).
    # EPC paging: pages out and back, the SECS too, on small EPCs.
    "evict_reload": [SGX2] + build(0) + map_all(0) + fault(0, 3, A_WRITE) +
    fault(0, 4, A_WRITE) + evict(3) + fault(0, 3, A_READ) + fault(0, 4, A_WRITE) +
    fault(0, 2, A_EXEC) + evict(0) + evict(0) + fault(0, 5, A_READ) + evict(3) +
    fault(0, 0, A_READ) + fault(0, 7, A_WRITE),
    "evict_then_sgx2": [SGX2] + build(0) + map_all(0) + evict(3) +
    restrict(0, 3, 1, PROT_R) + evict(3) + way_in(0) + enclu(0, 3, ACC_R_PR) +
    fault(0, 3, A_READ) + evict(3) + modt(0, 4, 1, False) + evict(3) + fault(0, 4, A_READ) +
    way_in(0) + enclu(0, 4, ACC_TRIM) + evict(3) + remove(0, 4, 1) + fault(0, 4, A_WRITE),
    "evict_eaug": [SGX2] + build(0) + map_all(0) + mmap(0, 8, 8, PROT_R | PROT_W) +
    fault(0, 9, A_WRITE) + fault(0, 10, A_READ) + evict(3) + fault(0, 9, A_READ) +
    way_in(0) + enclu(0, 9, ACC_PENDING) + fault(0, 9, A_WRITE) + evict(3) +
    fault(0, 9, A_READ) +
    sum((fault(0, p, A_WRITE) for p in range(11, 16)), []) + evict(1) + evict(2),
    "evict_reg_to_tcs": [SGX2] + build2(0) + map_all(0) + mmap(0, 8, 4, PROT_R | PROT_W) +
    evict(3) + modt(0, 10, 1, True) + evict(3) + way_in(0) + fault(0, 10, A_READ) +
    enclu(0, 10, ACC_TCS) + evict(3) + fault(0, 10, A_READ) + modt(0, 10, 1, False) +
    way_in(0) + fault(0, 10, A_READ) + enclu(0, 10, ACC_TRIM) + remove(0, 10, 1),
    "micro_two_enclaves": [MICRO] + build(0) + build(1) + map_all(0) + map_all(1) +
    fault(0, 3, A_WRITE) + fault(1, 3, A_WRITE) + fault(0, 4, A_WRITE) +
    fault(1, 5, A_READ) + evict(0) + fault(0, 3, A_READ) + fault(1, 3, A_READ) +
    evict(1) + evict(2) + [CLOSE, 0] + fault(0, 6, A_READ) + munmap(0, 0, 8) + evict(3) +
    fault(1, 2, A_EXEC),
    "micro_close_while_out": [MICRO] + build(0) + map_all(0) + evict(3) + [CLOSE, 0] +
    evict(3) + munmap(0, 0, 8) + build(1) + evict(3) + init(1),
    # Found by the fuzzer: an enclave whose file is closed and whose mappings
    # were replaced lives on the reference of its queued EAUG refill alone.
    "refill_last_reference": [SGX2] + open_(0) + create(0, 3) + init(0) +
    mmap(0, 0, 4, PROT_R | PROT_W) + fault(0, 0, A_READ) + fault(0, 1, A_READ) +
    fault(0, 2, A_WRITE) + [CLOSE, 0] + open_(1) + create(1, 3) +
    mmap(1, 0, 4, PROT_R | PROT_W, at=0) + evict(3) + evict(1) + fault(0, 0, A_READ),
    "micro_sgx1": [SGX1_SMALL] + build(0) + map_all(0) + fault(0, 3, A_WRITE) + evict(3) +
    fault(0, 3, A_READ) + fault(0, 12, A_READ) + restrict(0, 3, 1, PROT_R) + evict(2),
    "w_only_vma_read_after_restrict": [SGX2] + build(0) + mmap(0, 3, 1, PROT_W) +
    restrict(0, 3, 1, PROT_R) + fault(0, 3, A_READ),
    "x_only_vma_read_after_restrict": [SGX2] + build(0) + mmap(0, 2, 1, PROT_X) +
    restrict(0, 2, 1, PROT_R) + fault(0, 2, A_READ),
}

# Inputs that break an invariant today, kept apart (crashers/ioctl, not run by
# the test suite) until the bug is fixed; then they move to SEEDS.
KNOWN_FAILING = {
}


def write(out, seeds):
    os.makedirs(out, exist_ok=True)
    for name, seq in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(b & 0xff for b in seq))
    print("%d inputs in %s" % (len(seeds), out))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "ioctl")
    write(out, SEEDS)
    if len(sys.argv) <= 1:
        write(os.path.join(here, "crashers", "ioctl"), KNOWN_FAILING)


if __name__ == "__main__":
    main()
