/*
 * two_kernels.c — boots two rump kernels in one process and shows that they are independent:
 * each has its own hostname; and that a one-CPU kernel still lets 8 threads sleep at once.
 *
 * Build against an installed Anykernel:
 *   cc two_kernels.c $(pkg-config --cflags --libs rump-all) -pthread -o two_kernels
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static struct rump_kernel *uni; /* the one-CPU kernel the sleepers use */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *sleeper(void *arg) {
  (void)arg;
  rump_kernel_switch(uni);
  struct timespec t = {0, 100 * 1000 * 1000};
  if (rump_sys_nanosleep(&t, NULL) != 0) perror("rump_sys_nanosleep");
  return NULL;
}

static void check(int error, const char *what) {
  if (error != 0) {
    fprintf(stderr, "two_kernels: %s: %s\n", what, strerror(error));
    exit(1);
  }
}

int main(void) {
  struct rump_kernel *a, *b;
  struct utsname u;

  check(rump_kernel_create(NULL, &a), "rump_kernel_create");
  check(rump_kernel_create("ncpu=1", &b), "rump_kernel_create");

  rump_kernel_switch(a);
  rump_sys_sethostname("alpha", 5);
  rump_kernel_switch(b);
  rump_sys_sethostname("beta", 4);

  rump_kernel_switch(a);
  rump_sys_uname(&u);
  printf("kernel a: hostname %s\n", u.nodename);
  rump_kernel_switch(b);
  rump_sys_uname(&u);
  printf("kernel b: hostname %s\n", u.nodename);

  /* 8 threads sleep 100 ms each on the one-CPU kernel b: a sleeping thread gives its virtual
   * CPU back, so they all sleep at the same time and finish together after ~100 ms. */
  uni = b;
  pthread_t t[8];
  double start = now();
  for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, sleeper, NULL);
  for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
  double took = now() - start;
  printf("8 threads slept 100 ms on a 1-CPU kernel in %.0f ms\n", took * 1000);

  rump_kernel_switch(NULL);
  rump_kernel_destroy(a);
  rump_kernel_destroy(b);
  return took < 0.5 ? 0 : 1;
}
