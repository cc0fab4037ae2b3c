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

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_H_ */
