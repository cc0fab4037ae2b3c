/*
 * <rump/rump.h> — booting, switching and destroying rump kernels; processes of a local client.
 *
 * A program that links the rump libraries has a default kernel after rump_init(), configured
 * from the environment, and may create any number of others with rump_kernel_create(). Each
 * host thread sends its rump_sys_* calls to its current kernel: the default one, or the one it
 * last chose with rump_kernel_switch().
 *
 * Functions returning int return 0 or an errno value (they do not set errno), as NetBSD's
 * rump(3) does; rump_sys_* calls return -1 and set errno (<rump/rump_syscalls.h>).
 */
#ifndef RUMP_RUMP_H_
#define RUMP_RUMP_H_

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rump_kernel;
struct lwp;

/*
 * Boots the process's default kernel from RUMP_NCPU, RUMP_VERBOSE and RUMP_MEMLIMIT.
 * Returns 0 (also when it is already booted), EINVAL for a bad parameter (with a line on
 * stderr naming it), ENOMEM, or a component's error.
 */
int rump_init(void);

/*
 * Boots another kernel. params is NULL for the defaults or "key=value,..." with the keys
 * ncpu (number or "host"), verbose (0/1) and memlimit (bytes with k/m/g, or N%).
 * Returns 0 and the kernel in *kp, or an errno value. The environment is not consulted.
 */
int rump_kernel_create(const char *params, struct rump_kernel **kp);

/*
 * Makes k the calling thread's current kernel (NULL: the default kernel again) and returns the
 * previous one (NULL if it was the default).
 */
struct rump_kernel *rump_kernel_switch(struct rump_kernel *k);

/* The calling thread's current kernel; NULL before rump_init() if it has not switched. */
struct rump_kernel *rump_kernel_current(void);

/*
 * Halts and frees k: components are shut down (file systems synced and unmounted), its threads
 * stopped, all its memory returned. No thread may be inside k or use it afterwards. Destroying
 * the default kernel makes rump_init() boot a new one. Returns 0 or EINVAL (k is NULL).
 */
int rump_kernel_destroy(struct rump_kernel *k);

/* Bytes of kernel memory k has allocated now, and its limit (0: none). */
uint64_t rump_kernel_memused(struct rump_kernel *k);
uint64_t rump_kernel_memlimit(struct rump_kernel *k);

/*
 * Loads a component library at run time ("ext2", "fs_ext2" or "librumpfs_ext2.so"); kernels
 * booted afterwards include it. Returns 0 or ENOENT (with the reason on stderr).
 */
int rump_pub_component_load(const char *name);

/* --- processes of the local client, as NetBSD's rump_lwproc(3) --------------------------- */

/* rump_pub_lwproc_rfork flags: copy the descriptor table, or start with an empty one.
 * 0 (RUMP_RFFD_SHARE) shares the parent's table. */
#define RUMP_RFFDG 0x01
#define RUMP_RFCFDG 0x02
#define RUMP_RFFD_SHARE 0x00
#define RUMP_RFFD_COPY RUMP_RFFDG
#define RUMP_RFFD_CLEAR RUMP_RFCFDG

/* Creates a process (child of the calling context's process, with a copy of its credentials)
 * and binds the calling thread to its lwp. 0, EINVAL (both flags), ENOMEM, EAGAIN. */
int rump_pub_lwproc_rfork(int flags);
/* Creates another lwp in process pid and binds the thread to it. 0 or ESRCH, ENOMEM. */
int rump_pub_lwproc_newlwp(pid_t pid);
/* Binds the thread to l (NULL: back to the implicit context). l must not be bound to another
 * thread (the kernel panics, as NetBSD's does). */
void rump_pub_lwproc_switch(struct lwp *l);
/* Frees the lwp the thread is bound to; the last lwp of a process ends the process. */
void rump_pub_lwproc_releaselwp(void);
/* The lwp the thread is bound to, or NULL in the implicit context. */
struct lwp *rump_pub_lwproc_curlwp(void);
/* Marks the process of the lwp the thread is bound to as on its way out, as a kill would: the
 * interruptible sleeps of its lwps (nanosleep, clock_nanosleep) end at once with EINTR, and
 * any begun later too; so do their fcntl(F_SETLKW) waits, within 50 ms. For a server whose client is gone (rump_server). 0, or ESRCH in the
 * implicit context. */
int rump_pub_lwproc_interrupt(void);

/* --- host files inside the kernel, as NetBSD's rump_etfs(3) ------------------------------- */

/* How a host file appears in the kernel (NetBSD's values). */
enum rump_etfs_type {
  RUMP_ETFS_REG,        /* a regular file */
  RUMP_ETFS_BLK,        /* a block device whose I/O goes to the host file */
  RUMP_ETFS_CHR,        /* a character device whose I/O goes to the host file */
  RUMP_ETFS_DIR,        /* a directory: the host directory's files (not its subdirectories) */
  RUMP_ETFS_DIR_SUBDIRS /* a directory: the host directory's whole tree */
};

/* rump_pub_etfs_register_withsize: from `begin` to the end of the host file. */
#define RUMP_ETFS_SIZE_ENDOFF ((uint64_t)-1)

/*
 * Makes the host file `hostpath` (absolute, or relative to the process's working directory;
 * etfs looks the path up again for the size of a file and for a directory's entries, so keep
 * it absolute if the program changes directory) appear in the calling thread's current kernel
 * at `key`, an absolute path ("/dev/xvda"): repeated slashes count as one, trailing slashes are
 * ignored, "." and ".." components are refused, symbolic links in it are not followed.
 * Directories of the key that do not exist are created (mode 0755, owned by root) and stay
 * when the key is removed. The node is the root of a mount of type "etfs" over the key's name
 * (listed among the mounts, with hostpath as its source), so it has a device number of its
 * own, link(2) to it answers EXDEV, and renaming or removing the name EBUSY (as for any mount
 * point; unlink(2) of a directory key says EISDIR first). Its owner is root; its mode 0666 for
 * files and devices — 0444 when the host lets the file be opened only for reading: the mount is
 * then read-only and opening it for writing answers EROFS — and 0755 for directories. chmod,
 * chown and utimes change only what the kernel shows. Reads and writes go to the host file;
 * nothing is cached in the kernel.
 *
 * RUMP_ETFS_REG: rump_pub_etfs_register shows the whole host file, its size being the host
 * file's at each stat; writes past the end extend the host file, as NetBSD's do. With a window
 * (begin, and a size other than RUMP_ETFS_SIZE_ENDOFF) the file is the window: reads stop at
 * its end and writes at or past it answer ENOSPC (a write that crosses it is cut short there).
 * With begin and RUMP_ETFS_SIZE_ENDOFF the file starts at begin and still grows with the host
 * file. truncate(2) to another size answers EPERM.
 * RUMP_ETFS_BLK, RUMP_ETFS_CHR: I/O at offset off goes to begin+off of the host file, within
 * the window fixed at registration (the host file's size minus begin for RUMP_ETFS_SIZE_ENDOFF;
 * a host character device or FIFO has no size, and no window unless one is given): reads past
 * the end read nothing, writes answer ENOSPC. stat() shows size 0 and a device number with
 * major 240 (Linux's range for local use) and a minor unique in the kernel.
 * RUMP_ETFS_DIR, RUMP_ETFS_DIR_SUBDIRS: the host directory's regular files (symbolic links to
 * them too) and, with _SUBDIRS, its subdirectories recursively, by name and in listings, as
 * etfs regular files of mode 0666 that open their host file when first read or written (the
 * host's refusal is that read's or write's error, EACCES); the host's other entries are left
 * out. Names cannot be made, removed or renamed in them (EOPNOTSUPP). begin must be 0 and
 * size RUMP_ETFS_SIZE_ENDOFF.
 *
 * Returns 0, or: EINVAL (key not absolute, the root, or with "." or ".."; a bad ftype; begin
 * past the end of the host file, or a window past its end), ENAMETOOLONG, ENOENT and the
 * host's other errors for hostpath (EACCES: not even readable), ENOTDIR (a _DIR type for a
 * host file that is not a directory; a component of the key that is not a directory), EISDIR
 * (a window for a directory, as NetBSD; a file or device type for a host directory), EEXIST
 * (something is at the key already, registered or not, or the key lies inside an etfs
 * directory), EROFS (the key's directory is on a read-only mount), ENOMEM, ENOSYS (the kernel
 * has no file system component), ENXIO (no current kernel).
 */
int rump_pub_etfs_register(const char *key, const char *hostpath, enum rump_etfs_type ftype);
int rump_pub_etfs_register_withsize(const char *key, const char *hostpath,
                                    enum rump_etfs_type ftype, uint64_t begin, uint64_t size);

/*
 * Removes the key (spelled as at registration, or any way that reads the same): its name
 * leaves the kernel's tree (directories the registration created stay) and the host file is
 * closed. Returns 0, ENOENT (not registered), EBUSY (open, the working directory of a
 * process, or mounted on), EINVAL (not an absolute key), ENOSYS, ENXIO. A key a client
 * unmounted with umount2(2) leaves its empty name, and stays registered, until removed here.
 */
int rump_pub_etfs_remove(const char *key);

/* How a block device key's flushes reach its host file (an extension of rump_etfs(3)). */
enum rump_etfs_cache {
  RUMP_ETFS_CACHE_DURABLE, /* the default: a flush makes the host file durable (fdatasync) */
  RUMP_ETFS_CACHE_HOST     /* a flush stops at the host's page cache, as cp's writes do */
};

/*
 * Sets how the flushes of the RUMP_ETFS_BLK key's disk, and of its partitions, reach the host
 * file. A flush is what fsync(2), sync(2) and unmount ask of a disk. RUMP_ETFS_CACHE_DURABLE:
 * when it completes, every write before it is on the host's stable storage, and large writes
 * start their write-back at once so that it finds little left to wait for. RUMP_ETFS_CACHE_HOST
 * (QEMU's cache=unsafe): it waits until every write before it has reached the host file, where
 * every host reader sees it, and no longer; the host writes it to its disk in its own time, so
 * a crash of the host (not of the program) can lose it, as it can a file cp has just written.
 * Takes effect from the next write or flush. Returns 0, or ENOENT (no such key), ENOTBLK (the
 * key is not a block device), EINVAL (a bad mode or key), ENOSYS, ENXIO.
 */
int rump_pub_etfs_set_cache(const char *key, enum rump_etfs_cache mode);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_H_ */
