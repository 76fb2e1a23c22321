/* SPDX-License-Identifier: MIT */
/*
 * Prototypes of the libc entry points preload/ defines that glibc's public
 * headers do not declare (fortified, legacy and internal names programs
 * still link against).
 */
#ifndef SGXEMU_PRELOAD_INTERPOSE_H
#define SGXEMU_PRELOAD_INTERPOSE_H

#include <signal.h>
#include <sys/stat.h>

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
sighandler_t __sysv_signal(int sig, sighandler_t h);
sighandler_t bsd_signal(int sig, sighandler_t h);
unsigned long __getauxval(unsigned long type);

#endif /* SGXEMU_PRELOAD_INTERPOSE_H */
