// Fuzzes the ext2 driver (fs/ext2) with damaged images: the input is a list of patches applied
// to a small image mke2fs makes once at start-up (files, a long symlink, a hashed directory),
// so that every input mounts something close to ext2 and the mutations land in its metadata.
// Each input gets a kernel of its own: the image is mounted (read-write, else read-only),
// walked, read and written, and unmounted. Nothing may crash, hang or leak.
//
// Input: records of [u32 offset][u8 len][len bytes], written over the image at offset % size.
#include <fcntl.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/ext2/ext2_walk.h"

namespace {

std::vector<uint8_t> make_base() {
  char dir[] = "/tmp/rk-fuzz-ext2-XXXXXX";
  if (mkdtemp(dir) == nullptr) abort();
  std::string d = dir;
  std::string cmd = "set -e; mkdir " + d + "/src " + d + "/src/sub " + d +
                    "/src/wide; "
                    "echo hello > " +
                    d +
                    "/src/a; "
                    "head -c 70000 /dev/zero | tr '\\0' x > " +
                    d +
                    "/src/sub/big; "
                    "ln -s " +
                    std::string(80, 't') + " " + d + "/src/longlink; ln -s a " + d +
                    "/src/short; "
                    "for i in $(seq 1 60); do echo $i > " +
                    d +
                    "/src/wide/name-number-$i; done; "
                    "mke2fs -q -F -t ext2 -b 1024 -N 96 -d " +
                    d + "/src " + d +
                    "/img 384k; "
                    "e2fsck -fyD " +
                    d + "/img >/dev/null 2>&1 || true";
  if (std::system(cmd.c_str()) != 0) abort();
  std::vector<uint8_t> img;
  FILE* f = fopen((d + "/img").c_str(), "rb");
  if (f == nullptr) abort();
  uint8_t buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) img.insert(img.end(), buf, buf + n);
  fclose(f);
  std::system(("rm -rf " + d).c_str());
  return img;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<uint8_t> base = make_base();
  std::vector<uint8_t> img = base;
  for (size_t i = 0; i + 5 <= size;) {
    uint32_t off;
    memcpy(&off, data + i, 4);
    size_t len = data[i + 4];
    i += 5;
    if (len > size - i) len = size - i;
    off %= static_cast<uint32_t>(img.size());
    for (size_t k = 0; k < len && off + k < img.size(); ++k) img[off + k] = data[i + k];
    i += len;
  }
  int fd = memfd_create("ext2img", 0);
  if (fd < 0) abort();
  if (write(fd, img.data(), img.size()) != static_cast<ssize_t>(img.size())) abort();
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  rump_kernel* k = nullptr;
  if (rump_kernel_create("ncpu=1,memlimit=64m", &k) != 0) abort();
  rump_kernel* prev = rump_kernel_switch(k);
  if (rump_pub_etfs_register("/dev/img", path.c_str(), RUMP_ETFS_BLK) == 0) {
    rump_sys_mkdir("/mnt", 0755);
    bool rw = rump_sys_mount("/dev/img", "/mnt", "ext2", 0, nullptr) == 0;
    bool mounted = rw || rump_sys_mount("/dev/img", "/mnt", "ext2", MS_RDONLY, nullptr) == 0;
    if (mounted) {
      ext2walk::Budget b;
      ext2walk::walk("/mnt", b, 0);
      if (rw) ext2walk::scribble("/mnt");
      rump_sys_umount2("/mnt", 0);
    }
  }
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
  close(fd);
  return 0;
}
