/*
 * rump_tour — boots rump kernels and shows what they can do today. `make run` runs it.
 *
 * Every step uses only the public C API (<rump/rump.h>, <rump/rump_syscalls.h>), so this file
 * doubles as an example of embedding a kernel in a program.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void step(const char *title) { printf("\n== %s\n", title); }

static void die(const char *what, int error) {
  fprintf(stderr, "rump_tour: %s: %s\n", what, strerror(error));
  exit(1);
}

static struct rump_kernel *sleepy;

static void *sleeper(void *arg) {
  (void)arg;
  rump_kernel_switch(sleepy);
  struct timespec t = {0, 100 * 1000 * 1000};
  rump_sys_nanosleep(&t, NULL);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: rump_tour\nBoots rump kernels and shows what works. Honours RUMP_NCPU,\n"
           "RUMP_VERBOSE and RUMP_MEMLIMIT for the first kernel.\n");
    return 0;
  }
  if (argc > 1) {
    fprintf(stderr, "rump_tour: unexpected argument '%s' (try --help)\n", argv[1]);
    return 2;
  }

  printf("Anykernel tour: rump kernels inside this process (pid %d).\n", (int)getpid());

  step("Boot the default kernel (rump_init)");
  double t0 = now_ms();
  int error = rump_init();
  if (error) die("rump_init", error);
  printf("booted in %.3f ms; its memory: %llu bytes\n", now_ms() - t0,
         (unsigned long long)rump_kernel_memused(rump_kernel_current()));

  step("Ask it who it is (rump_sys_uname, rump_sys_getpid)");
  struct utsname u;
  rump_sys_uname(&u);
  printf("uname: %s %s %s %s\n", u.sysname, u.nodename, u.release, u.machine);
  printf("this program is pid %d inside the kernel (parent %d); on the host it is pid %d\n",
         rump_sys_getpid(), rump_sys_getppid(), (int)getpid());

  step("Many kernels in one process, each with its own names");
  struct rump_kernel *k[3];
  const char *names[3] = {"alpha", "beta", "gamma"};
  for (int i = 0; i < 3; i++) {
    if ((error = rump_kernel_create("ncpu=1", &k[i])) != 0) die("rump_kernel_create", error);
    rump_kernel_switch(k[i]);
    rump_sys_sethostname(names[i], strlen(names[i]));
  }
  for (int i = 0; i < 3; i++) {
    rump_kernel_switch(k[i]);
    rump_sys_uname(&u);
    printf("kernel %d: hostname %s\n", i, u.nodename);
  }
  rump_kernel_switch(NULL);
  rump_sys_uname(&u);
  printf("default kernel: hostname still %s\n", u.nodename);

  step("Virtual CPUs: 8 threads sleep 100 ms in a one-CPU kernel");
  sleepy = k[0];
  pthread_t th[8];
  t0 = now_ms();
  for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, sleeper, NULL);
  for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
  printf("all 8 done after %.0f ms: a sleeping thread gives its CPU back\n", now_ms() - t0);

  step("Processes and credentials (rump_pub_lwproc_rfork, setuid)");
  rump_pub_lwproc_rfork(RUMP_RFCFDG);
  printf("forked: now pid %d, parent %d\n", rump_sys_getpid(), rump_sys_getppid());
  rump_sys_setuid(1000);
  printf("after setuid(1000): uid %u euid %u\n", rump_sys_getuid(), rump_sys_geteuid());
  if (rump_sys_sethostname("evil", 4) < 0)
    printf("sethostname as uid 1000: %s, as Linux answers\n", strerror(errno));
  rump_pub_lwproc_releaselwp();
  printf("released: back to pid %d as uid %u\n", rump_sys_getpid(), rump_sys_getuid());

  step("Time and randomness");
  struct timespec ts;
  rump_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("CLOCK_MONOTONIC: %lld.%09ld s since this kernel booted\n", (long long)ts.tv_sec,
         ts.tv_nsec);
  unsigned char r[8];
  rump_sys_getrandom(r, sizeof r, 0);
  printf("getrandom: %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5],
         r[6], r[7]);

  step("The kernel's message log (syslog, what dmesg shows)");
  char log[4096];
  int n = rump_sys_syslog(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof log - 1);
  if (n > 0) {
    log[n] = '\0';
    fputs(log, stdout);
  }

  step("A file system tree of its own (rumpfs at /, tmpfs mounted on /tmp)");
  rump_sys_mkdir("/tmp", 01777);
  if (rump_sys_mount("tmpfs", "/tmp", "tmpfs", 0, "size=16m") != 0) {
    printf("mount tmpfs: %s\n", strerror(errno));
  } else {
    int fd = rump_sys_open("/tmp/hello.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    const char msg[] = "hello from inside a rump kernel\n";
    rump_sys_write(fd, msg, sizeof msg - 1);
    rump_sys_close(fd);
    char buf[64] = {0};
    fd = rump_sys_open("/tmp/hello.txt", O_RDONLY);
    ssize_t got = rump_sys_read(fd, buf, sizeof buf - 1);
    rump_sys_close(fd);
    printf("wrote and read back /tmp/hello.txt (%zd bytes): %s", got, buf);
    struct stat st;
    if (rump_sys_stat("/tmp/hello.txt", &st) == 0)
      printf("stat: mode %o, size %lld, owner %u\n", (unsigned)st.st_mode, (long long)st.st_size,
             (unsigned)st.st_uid);
    char list[512];
    fd = rump_sys_open("/dev", O_RDONLY | O_DIRECTORY);
    long n = rump_sys_getdents64(fd, list, sizeof list);
    rump_sys_close(fd);
    printf("/dev holds:");
    for (long off = 0; off < n;) {
      unsigned short reclen;
      memcpy(&reclen, list + off + 16, sizeof reclen);
      const char *name = list + off + 19;
      if (name[0] != '.') printf(" %s", name);
      off += reclen;
    }
    printf("\n");
    if (access("/tmp/hello.txt", F_OK) != 0)
      printf("and the host's own /tmp has no hello.txt: the kernel's tree is its own\n");
  }

  step("A host file inside the kernel (etfs)");
  if (rump_pub_etfs_register("/host/os-release", "/etc/os-release", RUMP_ETFS_REG) == 0) {
    char line[128] = {0};
    int fd = rump_sys_open("/host/os-release", O_RDONLY);
    ssize_t got = rump_sys_read(fd, line, sizeof line - 1);
    rump_sys_close(fd);
    char *nl = got > 0 ? strchr(line, '\n') : NULL;
    if (nl != NULL) *nl = '\0';
    printf("/host/os-release in the kernel is the host's /etc/os-release: \"%s\"\n", line);
    rump_pub_etfs_remove("/host/os-release");
  } else {
    printf("(the host has no /etc/os-release to show)\n");
  }

  step("What is not there yet fails loudly");
  long rv = rump_syscall(SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0, 0, 0, 0);
  printf("socket(AF_INET) -> %ld (%s): no network component yet\n", rv,
         rv < 0 ? strerror(errno) : "?");

  step("Create and destroy kernels fast");
  t0 = now_ms();
  for (int i = 0; i < 1000; i++) {
    struct rump_kernel *tmp;
    if ((error = rump_kernel_create(NULL, &tmp)) != 0) die("rump_kernel_create", error);
    rump_kernel_destroy(tmp);
  }
  printf("1000 kernels booted and destroyed in %.1f ms\n", now_ms() - t0);

  step("Halt (reboot(2)) and destroy");
  rump_kernel_switch(k[1]);
  rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_HALT, NULL);
  if (rump_sys_getpid() < 0) printf("after halt, calls fail: %s\n", strerror(errno));
  rump_kernel_switch(NULL);
  for (int i = 0; i < 3; i++) rump_kernel_destroy(k[i]);
  printf("\nDone. Next: docs/GUIDE.md; the C API is in <rump/rump.h> and <rump/rump_syscalls.h>.\n");
  return 0;
}
