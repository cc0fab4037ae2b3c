/*
 * <rump/rumpclient.h> — a remote client of a rump kernel served by rump_server (librumpclient,
 * pkg-config module "rumpclient"), as NetBSD's rumpclient(3).
 *
 * After rumpclient_init() the rump_sys_* calls of <rump/rump_syscalls.h> go to the kernel at
 * $RUMP_SERVER (unix://path, unix:///abs/path, tcp://127.0.0.1:port, tcp://[::1]:port) and
 * behave as they do in a program linked with librump: same signatures, Linux semantics, -1
 * with errno on failure. Link with librumpclient instead of librump (not both).
 *
 * The program is one process inside the kernel (its own descriptors, working directory, umask
 * and credentials); its threads may have calls in flight at the same time. Each call is one
 * request and one response carrying whatever the call reads and writes (docs/PROTOCOL.md).
 * Calls the protocol cannot carry — a pointer argument whose layout it does not know, such as
 * an ioctl it has no description of — fail with ENOSYS (and a line on stderr when
 * RUMPCLIENT_DEBUG is set). Byte buffers over 1 MiB are cut to 1 MiB: a read or write of more
 * returns a short count. Before rumpclient_init() every call fails with ENXIO.
 */
#ifndef RUMP_RUMPCLIENT_H_
#define RUMP_RUMPCLIENT_H_

#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Connects to $RUMP_SERVER and becomes a new process in its kernel (or, in a program started
 * by rumpclient_exec(), the process it was). Returns 0, or -1 with errno: EINVAL (RUMP_SERVER
 * unset or not a URL, with one line on stderr, "prog: RUMP_SERVER: why"), ECONNREFUSED, ENOENT, EPROTONOSUPPORT (the server
 * speaks another protocol version), ... Calling it again once connected does nothing.
 */
int rumpclient_init(void);

/*
 * What happens to a call when the connection to the server is lost:
 *   0 (the default)                retry nothing: the call fails with ENOTCONN;
 *   RUMPCLIENT_RETRYCONN_INFTIME   reconnect, trying every second for ever, then redo the call;
 *   RUMPCLIENT_RETRYCONN_ONCE      try to reconnect once;
 *   RUMPCLIENT_RETRYCONN_DIE       print a line on stderr and exit(1);
 *   n > 0                          keep trying for n seconds.
 * A reconnected client is a new process in the kernel: its descriptors, working directory
 * and credentials are those of a new client. Returns 0, or -1 with errno EINVAL.
 */
#define RUMPCLIENT_RETRYCONN_INFTIME ((time_t)-1)
#define RUMPCLIENT_RETRYCONN_ONCE ((time_t)-2)
#define RUMPCLIENT_RETRYCONN_DIE ((time_t)-3)
int rumpclient_setconnretry(time_t timeout);

/*
 * fork(2) for a client: the child is a new process in the kernel with a copy of the parent's
 * descriptor table (NetBSD's semantics). rumpclient_fork() does all of it; the three-step form
 * lets a program call fork itself: rumpclient_prefork() in the parent (NULL and errno on
 * failure), then after fork rumpclient_fork_init() in the child (0 or -1 and errno) and
 * rumpclient_fork_cancel() in the parent (which frees the handle; a child not claimed within 30
 * seconds is released by the server). Calls racing with the fork in other threads of the
 * parent are not carried over to the child.
 */
struct rumpclient_fork;
struct rumpclient_fork *rumpclient_prefork(void);
int rumpclient_fork_init(struct rumpclient_fork *rf);
void rumpclient_fork_cancel(struct rumpclient_fork *rf);
pid_t rumpclient_fork(void);

/*
 * execve(2) for a client: the new image keeps the process in the kernel. The connection is
 * handed to it through the environment (RUMPCLIENT__EXECFD); its rumpclient_init() takes it
 * over and only then are the process's close-on-exec descriptors closed, so a failed execve
 * changes nothing. The new image needs RUMP_SERVER in envp. Returns only on failure: -1 with
 * errno.
 */
int rumpclient_exec(const char *path, char *const argv[], char *const envp[]);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMPCLIENT_H_ */
