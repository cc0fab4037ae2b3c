// Differential test of the credential system calls against the Linux kernel itself.
//
// Every sequence of set*id/getgroups/setgroups/setfs*id calls runs twice:
//  (a) on the host, in a forked child that starts as root, through raw syscall(2) — not the
//      glibc wrappers, which broadcast set*id to every thread of the process (the forked child
//      has one thread, so the raw calls change exactly the credentials we observe);
//  (b) in a fresh process (rump_pub_lwproc_rfork) of a rump kernel, through rump_sys_*.
// After each call both sides record the result, errno, the real/effective/saved/fs ids and the
// supplementary groups; the records must be identical. Needs root on the host (to start the
// child as root), so it skips otherwise.
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace {

constexpr uint32_t kNo = 0xffffffffu;  // (uid_t)-1: "leave unchanged" (or invalid for setuid)

// ---- call sequences ---------------------------------------------------------------------

enum class Op {
  kSetuid, kSetgid, kSetreuid, kSetregid, kSetresuid, kSetresgid,
  kSetfsuid, kSetfsgid, kSetgroups, kGetgroups,
};

// Lists setgroups is called with (indexed by Call::b).
const std::vector<std::vector<uint32_t>> kGroupLists = {
    {}, {1000}, {2000, 0, 1001}, {1001, 1001}, {5, 4, 3, 2, 1},
};

constexpr int kNullList = -1;  // as a list index: pass a null pointer

struct Call {
  Op op;
  // ids; setgroups: (count, list index); getgroups: (size, kNullList for a null buffer)
  int64_t a = 0, b = 0, c = 0;
};

using Sequence = std::vector<Call>;

Call setuid(uint32_t u) { return {Op::kSetuid, u}; }
Call setgid(uint32_t g) { return {Op::kSetgid, g}; }
Call setreuid(uint32_t r, uint32_t e) { return {Op::kSetreuid, r, e}; }
Call setregid(uint32_t r, uint32_t e) { return {Op::kSetregid, r, e}; }
Call setresuid(uint32_t r, uint32_t e, uint32_t s) { return {Op::kSetresuid, r, e, s}; }
Call setresgid(uint32_t r, uint32_t e, uint32_t s) { return {Op::kSetresgid, r, e, s}; }
Call setfsuid(uint32_t u) { return {Op::kSetfsuid, u}; }
Call setfsgid(uint32_t g) { return {Op::kSetfsgid, g}; }
// setgroups with list kGroupLists[list] and its own size, or an explicit count.
Call setgroups(int list) { return {Op::kSetgroups, int64_t(kGroupLists[list].size()), list}; }
Call setgroups_count(int64_t count, int list) { return {Op::kSetgroups, count, list}; }
Call getgroups(int size) { return {Op::kGetgroups, size}; }
Call getgroups_null(int size) { return {Op::kGetgroups, size, kNullList}; }

std::string id_str(int64_t v) {
  return static_cast<uint32_t>(v) == kNo ? std::string("-1") : std::to_string(v);
}

std::string to_string(const Call& c) {
  auto ids = [&](const char* name, int n) {
    std::string s = std::string(name) + "(" + id_str(c.a);
    if (n > 1) s += ", " + id_str(c.b);
    if (n > 2) s += ", " + id_str(c.c);
    return s + ")";
  };
  switch (c.op) {
    case Op::kSetuid: return ids("setuid", 1);
    case Op::kSetgid: return ids("setgid", 1);
    case Op::kSetreuid: return ids("setreuid", 2);
    case Op::kSetregid: return ids("setregid", 2);
    case Op::kSetresuid: return ids("setresuid", 3);
    case Op::kSetresgid: return ids("setresgid", 3);
    case Op::kSetfsuid: return ids("setfsuid", 1);
    case Op::kSetfsgid: return ids("setfsgid", 1);
    case Op::kGetgroups:
      return "getgroups(" + std::to_string(c.a) + (c.b == kNullList ? ", NULL)" : ")");
    case Op::kSetgroups: {
      if (c.b == kNullList) return "setgroups(" + std::to_string(c.a) + ", NULL)";
      std::string s = "setgroups(" + std::to_string(c.a) + ", {";
      const auto& list = kGroupLists[c.b];
      for (size_t i = 0; i < list.size(); ++i) s += (i ? "," : "") + std::to_string(list[i]);
      return s + "})";
    }
  }
  return "?";
}

std::string to_string(const Sequence& seq) {
  std::string s;
  for (size_t i = 0; i < seq.size(); ++i) s += (i ? "; " : "") + to_string(seq[i]);
  return s;
}

// ---- what a run records -------------------------------------------------------------------

struct Step {
  int64_t ret = 0;
  int64_t err = 0;                // errno when ret == -1, else 0
  std::vector<int64_t> listed;    // what getgroups wrote (its first ret entries)
  int64_t ids[8] = {};            // ruid euid suid fsuid rgid egid sgid fsgid
  std::vector<int64_t> groups;    // supplementary groups afterwards
};
using Record = std::vector<Step>;

constexpr const char* kIdNames[8] = {"ruid", "euid", "suid", "fsuid",
                                     "rgid", "egid", "sgid", "fsgid"};

std::string list_str(const std::vector<int64_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

std::string to_string(const Step& s) {
  std::ostringstream o;
  o << "ret=" << s.ret;
  if (s.ret == -1) o << " errno=" << s.err << " (" << strerrorname_np(int(s.err)) << ")";
  if (!s.listed.empty()) o << " listed=" << list_str(s.listed);
  o << " |";
  for (int i = 0; i < 8; ++i) o << " " << kIdNames[i] << "=" << id_str(s.ids[i]);
  o << " groups=" << list_str(s.groups);
  return o.str();
}

bool operator==(const Step& x, const Step& y) {
  return x.ret == y.ret && x.err == y.err && x.listed == y.listed &&
         std::equal(x.ids, x.ids + 8, y.ids) && x.groups == y.groups;
}

// Flat form for the pipe from the host child: per step ret, err, n, listed..., ids, n, groups...
std::vector<int64_t> flatten(const Record& r) {
  std::vector<int64_t> out;
  for (const Step& s : r) {
    out.push_back(s.ret);
    out.push_back(s.err);
    out.push_back(int64_t(s.listed.size()));
    out.insert(out.end(), s.listed.begin(), s.listed.end());
    out.insert(out.end(), s.ids, s.ids + 8);
    out.push_back(int64_t(s.groups.size()));
    out.insert(out.end(), s.groups.begin(), s.groups.end());
  }
  return out;
}

std::optional<Record> unflatten(const std::vector<int64_t>& v) {
  Record r;
  size_t i = 0;
  auto take = [&](int64_t& x) {
    if (i >= v.size()) return false;
    x = v[i++];
    return true;
  };
  auto take_list = [&](std::vector<int64_t>& l) {
    int64_t n;
    if (!take(n) || n < 0 || size_t(n) > v.size() - i) return false;
    l.assign(v.begin() + long(i), v.begin() + long(i) + n);
    i += size_t(n);
    return true;
  };
  while (i < v.size()) {
    Step s;
    if (!take(s.ret) || !take(s.err) || !take_list(s.listed)) return std::nullopt;
    for (auto& id : s.ids)
      if (!take(id)) return std::nullopt;
    if (!take_list(s.groups)) return std::nullopt;
    r.push_back(std::move(s));
  }
  return r;
}

// ---- the two systems ----------------------------------------------------------------------

// Raw system calls of the host: affect only the calling thread's credentials.
struct HostCalls {
  static long setuid(uint32_t u) { return syscall(SYS_setuid, long(u)); }
  static long setgid(uint32_t g) { return syscall(SYS_setgid, long(g)); }
  static long setreuid(uint32_t r, uint32_t e) { return syscall(SYS_setreuid, long(r), long(e)); }
  static long setregid(uint32_t r, uint32_t e) { return syscall(SYS_setregid, long(r), long(e)); }
  static long setresuid(uint32_t r, uint32_t e, uint32_t s) {
    return syscall(SYS_setresuid, long(r), long(e), long(s));
  }
  static long setresgid(uint32_t r, uint32_t e, uint32_t s) {
    return syscall(SYS_setresgid, long(r), long(e), long(s));
  }
  static long getresuid(uid_t* r, uid_t* e, uid_t* s) { return syscall(SYS_getresuid, r, e, s); }
  static long getresgid(gid_t* r, gid_t* e, gid_t* s) { return syscall(SYS_getresgid, r, e, s); }
  static long setfsuid(uint32_t u) { return syscall(SYS_setfsuid, long(u)); }
  static long setfsgid(uint32_t g) { return syscall(SYS_setfsgid, long(g)); }
  static long getgroups(int n, gid_t* l) { return syscall(SYS_getgroups, long(n), l); }
  static long setgroups(int64_t n, const gid_t* l) { return syscall(SYS_setgroups, long(n), l); }
};

struct RumpCalls {
  static long setuid(uint32_t u) { return rump_sys_setuid(u); }
  static long setgid(uint32_t g) { return rump_sys_setgid(g); }
  static long setreuid(uint32_t r, uint32_t e) { return rump_sys_setreuid(r, e); }
  static long setregid(uint32_t r, uint32_t e) { return rump_sys_setregid(r, e); }
  static long setresuid(uint32_t r, uint32_t e, uint32_t s) { return rump_sys_setresuid(r, e, s); }
  static long setresgid(uint32_t r, uint32_t e, uint32_t s) { return rump_sys_setresgid(r, e, s); }
  static long getresuid(uid_t* r, uid_t* e, uid_t* s) { return rump_sys_getresuid(r, e, s); }
  static long getresgid(gid_t* r, gid_t* e, gid_t* s) { return rump_sys_getresgid(r, e, s); }
  static long setfsuid(uint32_t u) { return rump_sys_setfsuid(u); }
  static long setfsgid(uint32_t g) { return rump_sys_setfsgid(g); }
  static long getgroups(int n, gid_t* l) { return rump_sys_getgroups(n, l); }
  static long setgroups(int64_t n, const gid_t* l) {
    return rump_sys_setgroups(static_cast<size_t>(n), l);
  }
};

// The credentials now; setfs*id(-1) changes nothing and returns the current fs id.
template <typename Sys>
void observe(Step& s) {
  uid_t r = 0, e = 0, sv = 0;
  Sys::getresuid(&r, &e, &sv);
  s.ids[0] = r, s.ids[1] = e, s.ids[2] = sv;
  s.ids[3] = uint32_t(Sys::setfsuid(kNo));
  Sys::getresgid(&r, &e, &sv);
  s.ids[4] = r, s.ids[5] = e, s.ids[6] = sv;
  s.ids[7] = uint32_t(Sys::setfsgid(kNo));
  long n = Sys::getgroups(0, nullptr);
  if (n > 0) {
    std::vector<gid_t> g(static_cast<size_t>(n));
    n = Sys::getgroups(int(n), g.data());
    for (long i = 0; i < n; ++i) s.groups.push_back(g[size_t(i)]);
  }
}

template <typename Sys>
Record run(const Sequence& seq) {
  Record rec;
  for (const Call& c : seq) {
    Step s;
    std::vector<gid_t> buf;
    errno = 0;
    auto a = uint32_t(c.a), b = uint32_t(c.b), cc = uint32_t(c.c);
    switch (c.op) {
      case Op::kSetuid: s.ret = Sys::setuid(a); break;
      case Op::kSetgid: s.ret = Sys::setgid(a); break;
      case Op::kSetreuid: s.ret = Sys::setreuid(a, b); break;
      case Op::kSetregid: s.ret = Sys::setregid(a, b); break;
      case Op::kSetresuid: s.ret = Sys::setresuid(a, b, cc); break;
      case Op::kSetresgid: s.ret = Sys::setresgid(a, b, cc); break;
      // The fs id calls return an unsigned id; compare it as one.
      case Op::kSetfsuid: s.ret = uint32_t(Sys::setfsuid(a)); break;
      case Op::kSetfsgid: s.ret = uint32_t(Sys::setfsgid(a)); break;
      case Op::kSetgroups:
        s.ret = Sys::setgroups(c.a, c.b == kNullList ? nullptr : kGroupLists[size_t(c.b)].data());
        break;
      case Op::kGetgroups:
        buf.assign(16, 0xdeadbeef);  // larger than any list we set
        s.ret = Sys::getgroups(int(c.a), c.b == kNullList ? nullptr : buf.data());
        for (long i = 0; c.a > 0 && i < s.ret; ++i) s.listed.push_back(buf[size_t(i)]);
        break;
    }
    s.err = s.ret == -1 ? errno : 0;
    observe<Sys>(s);
    rec.push_back(std::move(s));
  }
  return rec;
}

// Runs seq in a forked child of the host that first becomes plain root (no supplementary
// groups), and returns what it recorded; nullopt with *why set if the child failed.
std::optional<Record> run_on_host(const Sequence& seq, std::string* why) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *why = std::string("pipe2: ") + strerror(errno);
    return std::nullopt;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *why = std::string("fork: ") + strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    close(fds[0]);
    if (HostCalls::setgroups(0, nullptr) != 0 || HostCalls::setresgid(0, 0, 0) != 0 ||
        HostCalls::setresuid(0, 0, 0) != 0)
      _exit(100);
    std::vector<int64_t> flat = flatten(run<HostCalls>(seq));
    const char* p = reinterpret_cast<const char*>(flat.data());
    size_t left = flat.size() * sizeof(int64_t);
    while (left > 0) {
      ssize_t n = write(fds[1], p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) _exit(101);
      p += n;
      left -= size_t(n);
    }
    _exit(0);  // not exit(): no atexit handlers or destructors of the test in the child
  }
  close(fds[1]);
  std::vector<char> bytes;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *why = "host child failed, wait status " + std::to_string(status) +
           (WIFEXITED(status) && WEXITSTATUS(status) == 100 ? " (could not reset to root)" : "");
    return std::nullopt;
  }
  std::vector<int64_t> flat(bytes.size() / sizeof(int64_t));
  std::memcpy(flat.data(), bytes.data(), flat.size() * sizeof(int64_t));
  std::optional<Record> r = unflatten(flat);
  if (!r) *why = "malformed record from the host child";
  return r;
}

// Runs seq in a new process of the calling thread's current rump kernel (a child of the local
// client, so it starts as root with no groups), which ends when the sequence is done.
std::optional<Record> run_in_rump(const Sequence& seq, std::string* why) {
  if (int e = rump_pub_lwproc_rfork(RUMP_RFCFDG); e != 0) {
    *why = std::string("rump_pub_lwproc_rfork: ") + strerror(e);
    return std::nullopt;
  }
  Record r = run<RumpCalls>(seq);
  rump_pub_lwproc_releaselwp();
  return r;
}

// Empty when the two systems agree on seq; otherwise says where they first differ.
std::string compare(const Sequence& seq) {
  std::string why;
  std::optional<Record> host = run_on_host(seq, &why);
  if (!host) return "host run failed: " + why;
  std::optional<Record> rump = run_in_rump(seq, &why);
  if (!rump) return "rump run failed: " + why;
  for (size_t i = 0; i < seq.size(); ++i) {
    if (i >= host->size() || i >= rump->size()) return "records have different lengths";
    if (!((*host)[i] == (*rump)[i])) {
      std::ostringstream o;
      o << "first difference at call " << i + 1 << " of " << seq.size() << ": "
        << to_string(seq[i]) << "\n  linux: " << to_string((*host)[i])
        << "\n  rump:  " << to_string((*rump)[i]) << "\n  sequence: " << to_string(seq);
      return o.str();
    }
  }
  return {};
}

// Drops calls from a failing sequence while it still fails: a smaller reproducer.
Sequence shrink(Sequence seq) {
  for (size_t i = 0; i < seq.size();) {
    Sequence shorter = seq;
    shorter.erase(shorter.begin() + long(i));
    if (!shorter.empty() && !compare(shorter).empty()) seq = std::move(shorter);
    else ++i;
  }
  return seq;
}

// ---- the tests ----------------------------------------------------------------------------

// A fresh kernel, current for this thread, destroyed at the end of the test.
class CredOracleKernel {
 public:
  CredOracleKernel() {
    error_ = rump_kernel_create(nullptr, &k_);
    if (error_ == 0) prev_ = rump_kernel_switch(k_);
  }
  ~CredOracleKernel() {
    if (error_ != 0) return;
    rump_kernel_switch(prev_);
    EXPECT_EQ(rump_kernel_destroy(k_), 0);
  }
  int error() const { return error_; }

 private:
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
  int error_ = 0;
};

struct NamedSequence {
  const char* name;
  Sequence seq;
};

// The Linux rules (kernel/sys.c) worth a sequence of their own.
const NamedSequence kHandWritten[] = {
    // setuid
    {"SetuidAsRootSetsAllFour", {setuid(1000)}},
    {"SetuidAsNonRootToOtherUidFails", {setuid(1000), setuid(1001), setuid(0)}},
    {"SetuidMinusOneIsInvalid", {setuid(kNo), setuid(1000), setuid(kNo)}},
    {"SetuidToSavedUidAsNonRoot",
     {setresuid(1000, 1001, 2000), setuid(2000), setuid(1000), setuid(1001)}},
    {"SetuidBackToRootThroughRealUid", {setresuid(kNo, 1000, kNo), setuid(0), setuid(1000)}},
    {"SetuidWithEuidRootButRuidNotRoot", {setresuid(1000, 0, 1001), setuid(2000), setuid(0)}},
    // setreuid
    {"SetreuidAsRoot", {setreuid(1000, 1001)}},
    {"SetreuidSwapRealAndEffective",
     {setreuid(1000, 1001), setreuid(1001, 1000), setreuid(1000, 1001)}},
    {"SetreuidSavedUidFollowsEuidWhenRealSet", {setreuid(0, 1000), setreuid(kNo, 0)}},
    {"SetreuidSavedUidKeptWhenEuidSetToRealUid",
     {setresuid(1000, 0, 2000), setreuid(kNo, 1000), setreuid(kNo, 2000)}},
    {"SetreuidSavedUidFollowsEuidOtherThanRealUid",
     {setresuid(1000, 0, 2000), setreuid(kNo, 1001), setreuid(kNo, 2000)}},
    {"SetreuidNonRootMayNotSetRealToSaved",
     {setresuid(1000, 1001, 2000), setreuid(2000, kNo), setreuid(1001, kNo)}},
    {"SetreuidNonRootMaySetEffectiveToSaved",
     {setresuid(1000, 1001, 2000), setreuid(kNo, 2000), setreuid(kNo, 0)}},
    {"SetreuidBothMinusOne", {setfsuid(1000), setreuid(kNo, kNo)}},
    // setresuid
    {"SetresuidMinusOneLeavesIdsAlone",
     {setresuid(1000, kNo, kNo), setresuid(kNo, 1001, kNo), setresuid(kNo, kNo, 2000)}},
    {"SeteuidLikeDropAndRegain",
     {setresuid(kNo, 1000, kNo), setresuid(kNo, 0, kNo), setresuid(kNo, 1001, kNo)}},
    {"DropRootKeepingItSaved",
     {setresuid(1000, 1000, 0), setresuid(kNo, 0, kNo), setresuid(0, 0, 0), setuid(2000)}},
    {"DropRootForGood", {setresuid(1000, 1000, 1000), setresuid(0, 0, 0), setuid(0)}},
    {"SetresuidNonRootPermutesItsIds",
     {setresuid(1000, 1001, 2000), setresuid(2000, 1000, 1001), setresuid(1001, 1001, 0)}},
    {"SetresuidAllMinusOneAfterSetfsuid", {setfsuid(1000), setresuid(kNo, kNo, kNo)}},
    {"SetresuidSameIdsAfterSetfsuid", {setfsuid(1000), setresuid(0, 0, 0)}},
    // setgid family, as root and after dropping root
    {"SetgidAsRoot", {setgid(1000), setgid(0)}},
    {"SetgidMinusOneIsInvalid", {setgid(kNo)}},
    {"SetgidAsNonRoot",
     {setresgid(1000, 1001, 2000), setuid(1000), setgid(2000), setgid(1001), setgid(1000)}},
    {"SetregidAsRootAndNonRoot",
     {setregid(1000, 1001), setuid(1000), setregid(1001, 1000), setregid(kNo, 0),
      setregid(0, kNo)}},
    {"SetregidSavedGidRule",
     {setresgid(1000, 0, 2000), setregid(kNo, 1000), setregid(kNo, 1001), setregid(1000, kNo)}},
    {"SetresgidAsNonRoot",
     {setresgid(1000, 1001, 2000), setresuid(1000, 1000, 1000), setresgid(2000, kNo, 1000),
      setresgid(0, kNo, kNo), setresgid(kNo, kNo, kNo)}},
    {"SetresgidAllMinusOneAfterSetfsgid", {setfsgid(1000), setresgid(kNo, kNo, kNo)}},
    {"SetegidLikeWhileEuidNotRoot",
     {setresuid(kNo, 1000, kNo), setresgid(kNo, 2000, kNo), setresuid(kNo, 0, kNo),
      setresgid(kNo, 2000, kNo)}},
    // supplementary groups
    {"SetgroupsAsRootSorts", {setgroups(2), getgroups(3), getgroups(16)}},
    {"SetgroupsKeepsDuplicates", {setgroups(3), getgroups(0), getgroups(2)}},
    {"SetgroupsEmptyClears", {setgroups(4), setgroups(0), getgroups(0)}},
    {"SetgroupsAsNonRootFails", {setgroups(1), setuid(1000), setgroups(2), setgroups(0)}},
    {"SetgroupsWithEuidNotRootFails", {setresuid(kNo, 1000, kNo), setgroups(1)}},
    {"SetgroupsTooManyIsInvalid", {setgroups_count(65537, 1), setgroups_count(-1, 1)}},
    {"SetgroupsAsNonRootChecksPermissionFirst", {setuid(1000), setgroups_count(65537, 1)}},
    {"GetgroupsSizes", {setgroups(4), getgroups(0), getgroups(4), getgroups(5), getgroups(6)}},
    {"GetgroupsNegativeSize", {getgroups(-1), setgroups(1), getgroups(-1)}},
    {"NullListsFault",
     {setgroups_count(2, kNullList), setgroups_count(0, kNullList), getgroups_null(0),
      setgroups(2), getgroups_null(3), getgroups_null(0)}},
    // fs ids
    {"SetfsuidReturnsOldFsuid", {setfsuid(1000), setfsuid(1001), setfsuid(0), setfsuid(kNo)}},
    {"SetfsuidAsNonRoot",
     {setresuid(1000, 1001, 2000), setfsuid(2000), setfsuid(0), setfsuid(1000), setfsuid(1001)}},
    {"FsuidFollowsEuid", {setfsuid(2000), setresuid(kNo, 1000, kNo), setreuid(kNo, 0)}},
    {"SetfsgidReturnsOldFsgid",
     {setfsgid(1000), setfsgid(1001), setuid(1000), setfsgid(2000), setfsgid(0)}},
    {"FsgidFollowsEgid", {setfsgid(2000), setresgid(kNo, 1000, kNo), setgid(0)}},
};

// For gtest's messages: the sequence, not the parameter's bytes.
void PrintTo(const NamedSequence& s, std::ostream* os) { *os << to_string(s.seq); }

class CredOracle : public ::testing::TestWithParam<NamedSequence> {};

TEST_P(CredOracle, MatchesLinux) {
  if (geteuid() != 0) GTEST_SKIP() << "the host side needs root (it changes to other uids)";
  CredOracleKernel k;
  ASSERT_EQ(k.error(), 0);
  std::string diff = compare(GetParam().seq);
  EXPECT_TRUE(diff.empty()) << diff;
}

INSTANTIATE_TEST_SUITE_P(HandWritten, CredOracle, ::testing::ValuesIn(kHandWritten),
                         [](const auto& info) { return std::string(info.param.name); });

// The oracle itself: the host child really changes its credentials (raw syscalls reach the
// kernel, nothing sandboxes them), so agreement with it means something.
TEST(CredOracleHost, FollowsLinuxRules) {
  if (geteuid() != 0) GTEST_SKIP() << "the host side needs root (it changes to other uids)";
  std::string why;
  std::optional<Record> r = run_on_host({setuid(1000), setuid(0)}, &why);
  ASSERT_TRUE(r.has_value()) << why;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].ret, 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*r)[0].ids[i], 1000) << kIdNames[i];
  EXPECT_EQ((*r)[1].ret, -1);
  EXPECT_EQ((*r)[1].err, EPERM);
}

// Random sequences from a small pool of ids, so that calls often hit each other's ids.
Sequence random_sequence(std::mt19937& rng, size_t len) {
  static const uint32_t kPool[] = {0, 1000, 1001, 2000, kNo};
  auto id = [&] { return kPool[rng() % 5]; };
  Sequence seq;
  while (seq.size() < len) {
    switch (rng() % 10) {
      case 0: seq.push_back(setuid(id())); break;
      case 1: seq.push_back(setgid(id())); break;
      case 2: seq.push_back(setreuid(id(), id())); break;
      case 3: seq.push_back(setregid(id(), id())); break;
      case 4: seq.push_back(setresuid(id(), id(), id())); break;
      case 5: seq.push_back(setresgid(id(), id(), id())); break;
      case 6: seq.push_back(setfsuid(id())); break;
      case 7: seq.push_back(setfsgid(id())); break;
      case 8: seq.push_back(setgroups(int(rng() % kGroupLists.size()))); break;
      case 9: {
        static const int kSizes[] = {0, 1, 2, 3, 16, -1};
        seq.push_back(getgroups(kSizes[rng() % 6]));
        break;
      }
    }
  }
  return seq;
}

TEST(CredOracleRandom, ThreeHundredSequencesOfSixCallsMatchLinux) {
  if (geteuid() != 0) GTEST_SKIP() << "the host side needs root (it changes to other uids)";
  CredOracleKernel k;
  ASSERT_EQ(k.error(), 0);
  constexpr int kSequences = 300;
  constexpr int kReported = 5;  // full reports; the rest are only counted
  int failed = 0;
  for (uint32_t seed = 1; seed <= kSequences; ++seed) {
    std::mt19937 rng(seed);
    Sequence seq = random_sequence(rng, 6);
    std::string diff = compare(seq);
    if (diff.empty()) continue;
    if (++failed <= kReported) {
      ADD_FAILURE() << "seed " << seed << ": " << diff << "\n  shrunk to: "
                    << to_string(shrink(seq));
    }
  }
  EXPECT_EQ(failed, 0) << failed << " of " << kSequences << " random sequences differ";
}

}  // namespace
