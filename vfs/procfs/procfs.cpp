#include "vfs/procfs/procfs.h"

#include "kern/kernel.h"
#include "kern/kmem.h"
#include "kern/lib/format.h"
#include "kern/lib/string.h"
#include "kern/uio.h"
#include "vfs/sys_common.h"
#include "vfs/buf/bufcache.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::vfs {

namespace {

constexpr uint64_t kProcSuperMagic = 0x9fa0;  // Linux's PROC_SUPER_MAGIC
constexpr uint64_t kRootIno = 1;
constexpr size_t kMaxText = 1u << 20;

// Writes one file's text into buf (cap bytes); its length, or ERANGE when it does not fit.
using Generator = Result<size_t> (*)(kern::Kernel& k, char* buf, size_t cap);

Result<size_t> append(char* buf, size_t cap, size_t at, const char* text, size_t len) {
  if (at + len > cap) return Errno::kRange;
  mem_copy(buf + at, text, len);
  return at + len;
}

Result<size_t> gen_mounts(kern::Kernel& k, char* buf, size_t cap) {
  return Vfs::of(k).mounts_text(buf, cap);
}

Result<size_t> gen_filesystems(kern::Kernel& k, char* buf, size_t cap) {
  return Vfs::of(k).types_text(buf, cap);
}

Result<size_t> gen_meminfo(kern::Kernel& k, char* buf, size_t cap) {
  uint64_t total = k.kmem().limit();
  char phys[32];
  if (total == 0 && k.hyp().getparam("_RUMPUSER_PHYSMEM", phys, sizeof phys) == 0) {
    for (const char* p = phys; *p >= '0' && *p <= '9'; ++p) total = total * 10 + (*p - '0');
  }
  const uint64_t used = k.kmem().used();
  const BufCacheStats bc = Vfs::of(k).bufcache().stats();
  char text[512];
  int n = format(text, sizeof text,
                 "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nBuffers:        %8llu kB\n"
                 "Dirty:          %8llu kB\n",
                 static_cast<unsigned long long>(total / 1024),
                 static_cast<unsigned long long>((total > used ? total - used : 0) / 1024),
                 static_cast<unsigned long long>(bc.bytes / 1024),
                 static_cast<unsigned long long>(bc.dirty_bytes / 1024));
  return append(buf, cap, 0, text, static_cast<size_t>(n));
}

Result<size_t> gen_uptime(kern::Kernel& k, char* buf, size_t cap) {
  const int64_t ns = k.uptime_ns();
  char text[64];
  int n = format(text, sizeof text, "%lld.%02lld 0.00\n", static_cast<long long>(ns / 1000000000),
                 static_cast<long long>(ns % 1000000000 / 10000000));
  return append(buf, cap, 0, text, static_cast<size_t>(n));
}

Result<size_t> gen_version(kern::Kernel& k, char* buf, size_t cap) {
  char host[65];
  k.hostname(host, sizeof host);
  char text[256];
  int n = format(text, sizeof text, "Anykernel rump kernel (%s), Linux system call ABI\n", host);
  return append(buf, cap, 0, text, static_cast<size_t>(n));
}

struct Entry {
  const char* name;
  Generator gen;
};

constexpr Entry kEntries[] = {
    {"filesystems", gen_filesystems}, {"meminfo", gen_meminfo}, {"mounts", gen_mounts},
    {"uptime", gen_uptime},           {"version", gen_version},
};
constexpr uint64_t kEntryCount = sizeof kEntries / sizeof kEntries[0];

class ProcFs;

// The root directory (index -1) or one of kEntries.
class ProcNode final : public Vnode {
 public:
  ProcNode(kern::Kernel& k, Mount& m, ProcFs& fs, int index)
      : Vnode(k, m, index < 0 ? VType::kDir : VType::kReg), fs_(fs), index_(index) {}

  Result<Ref<Vnode>> lookup(std::string_view name) override;
  Result<void> readdir(uint64_t* cookie, DirSink& sink) override;
  Result<void> read(Uio& uio) override;
  Result<void> getattr(Vattr& va) override;
  Result<void> setattr(const SetAttr&) override { return Errno::kPerm; }
  void inactive() override { kernel().kmem().destroy(this); }

 private:
  ~ProcNode() override = default;
  friend class kern::Kmem;
  uint64_t ino() const { return index_ < 0 ? kRootIno : kRootIno + 1 + index_; }

  ProcFs& fs_;
  const int index_;
};

class ProcFs final : public FileSystem {
 public:
  ProcFs(kern::Kernel& k, Mount& m) : kernel_(k), mount_(m), boot_(now(k)) {}

  Ref<Vnode> root() override { return node(-1).value(); }
  Result<void> statfs(StatFs& st) override {
    st.type = kProcSuperMagic;
    st.bsize = st.frsize = 4096;
    return ok();
  }
  Result<void> unmount(bool) override { return ok(); }
  void release_last() override { kernel_.kmem().destroy(this); }

  // Nodes are made on each lookup: they hold nothing but their index.
  Result<Ref<Vnode>> node(int index) {
    ProcNode* n = kernel_.kmem().create<ProcNode>(kern::KmFlags::kSleep, kernel_, mount_, *this,
                                                  index);
    if (n == nullptr) return Errno::kNoMem;
    return Ref<Vnode>::adopt(*n);
  }
  Timespec boot() const { return boot_; }
  uint64_t dev() const { return mount_.dev(); }
  kern::Kernel& kernel() const { return kernel_; }

 private:
  ~ProcFs() override = default;
  friend class kern::Kmem;
  kern::Kernel& kernel_;
  Mount& mount_;
  const Timespec boot_;
};

Result<Ref<Vnode>> ProcNode::lookup(std::string_view name) {
  if (index_ >= 0) return Errno::kNotDir;
  if (name == "..") return Ref<Vnode>(*this);
  for (uint64_t i = 0; i < kEntryCount; ++i)
    if (name == kEntries[i].name) return fs_.node(static_cast<int>(i));
  return Errno::kNoEnt;
}

Result<void> ProcNode::readdir(uint64_t* cookie, DirSink& sink) {
  if (index_ >= 0) return Errno::kNotDir;
  // Cookies: 0 ".", 1 "..", then 2 + i for entry i.
  for (uint64_t c = *cookie; c < 2 + kEntryCount; c = *cookie) {
    bool taken = c < 2 ? sink.emit(kRootIno, VType::kDir, c == 0 ? "." : "..", c + 1)
                       : sink.emit(kRootIno + c - 1, VType::kReg, kEntries[c - 2].name, c + 1);
    if (!taken) break;
    *cookie = c + 1;
  }
  return ok();
}

Result<void> ProcNode::read(Uio& uio) {
  if (index_ < 0) return Errno::kIsDir;
  kern::Kmem& km = kernel().kmem();
  for (size_t cap = 4096; cap <= kMaxText; cap *= 4) {
    char* buf = static_cast<char*>(km.alloc(cap, kern::KmFlags::kSleep));
    if (buf == nullptr) return Errno::kNoMem;
    Result<size_t> len = kEntries[index_].gen(kernel(), buf, cap);
    if (!len.ok() && len.error() == Errno::kRange) {
      km.free(buf, cap);
      continue;  // a bigger buffer
    }
    Result<void> r = ok();
    if (!len.ok()) {
      r = len.error();
    } else if (uio.offset() < len.value()) {
      size_t n = len.value() - static_cast<size_t>(uio.offset());
      if (n > uio.resid()) n = uio.resid();
      r = uio.move(buf + uio.offset(), n);
    }
    km.free(buf, cap);
    return r;
  }
  return Errno::kNoMem;
}

Result<void> ProcNode::getattr(Vattr& va) {
  va.type = type();
  va.mode = index_ < 0 ? 0555 : 0444;
  va.nlink = index_ < 0 ? 2 : 1;
  va.ino = ino();
  va.dev = fs_.dev();
  va.size = 0;
  va.blksize = 1024;
  va.atime = va.mtime = va.ctime = va.btime = fs_.boot();
  return ok();
}

Result<Ref<FileSystem>> mount_proc(kern::Kernel& k, Mount& m, const char*, uint32_t,
                                   const char*) {
  ProcFs* fs = k.kmem().create<ProcFs>(kern::KmFlags::kNoSleep, k, m);
  if (fs == nullptr) return Errno::kNoMem;
  return Ref<FileSystem>::adopt(*fs);
}

}  // namespace

FileSystemType procfs_type() { return FileSystemType{"proc", false, mount_proc, {}}; }

}  // namespace rk::vfs
