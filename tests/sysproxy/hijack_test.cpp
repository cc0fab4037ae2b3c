// librumphijack: unmodified programs (coreutils, tar, find, python3) on files under /rump,
// with the results compared to the same commands on a host directory.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace rk::test {
namespace {

struct Shell {
  int status;
  std::string out;
};

Shell sh(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  Shell r{-1, {}};
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class Hijack : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sysproxy_hijack.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Shell r = sh(std::string(RK_TOOLDIR) + "/rump_allserver unix://" + dir_ + "/ctrl");
    ASSERT_EQ(r.status, 0) << r.out;
    // A host tree to copy in: files, a subdirectory, a symbolic link, a 1 MiB file.
    ASSERT_EQ(sh("cd " + dir_ + " && mkdir -p host/d1/d2 && echo hello > host/a && "
                 "seq 1 200000 > host/d1/big && ln -s a host/link && chmod 0640 host/a")
                  .status,
              0);
  }
  void TearDown() override {
    sh("RUMP_SERVER=unix://" + dir_ + "/ctrl " + RK_TOOLDIR + "/rump.halt");
    sh("rm -rf '" + dir_ + "'");
  }
  // Runs cmd in a shell that is itself hijacked (so that its cd, redirections and children
  // are too), from the test's directory.
  std::string hj(const std::string& cmd) {
    std::string script = dir_ + "/cmd" + std::to_string(++n_) + ".sh";
    FILE* f = fopen(script.c_str(), "w");
    if (f != nullptr) {
      fputs(cmd.c_str(), f);
      fputs("\n", f);
      fclose(f);
    }
    return "cd " + dir_ + " && RUMP_SERVER=unix://" + dir_ + "/ctrl LD_PRELOAD='" RK_PRELOAD
           "' ASAN_OPTIONS=detect_leaks=0 /bin/sh " + script;
  }
  int n_ = 0;
  std::string dir_;
};

TEST_F(Hijack, CopyListAndChecksumLikeTheHost) {
  Shell r = sh(hj("cp -a host /rump/t"));
  ASSERT_EQ(r.status, 0) << r.out;
  Shell host = sh("cd " + dir_ + "/host && find . | sort");
  Shell rump = sh(hj("find /rump/t | sed 's,^/rump/t,.,' | sort"));
  EXPECT_EQ(rump.out, host.out);
  host = sh("cd " + dir_ + "/host && sha256sum a d1/big");
  rump = sh(hj("cd /rump/t && sha256sum a d1/big"));
  EXPECT_EQ(rump.out, host.out);
  // (Directory sizes are the file system's own: the host's /tmp need not be a tmpfs.)
  host = sh("cd " + dir_ + "/host && stat -c '%n %s %a %F' a link d1/big && stat -c '%n %a %F' d1");
  rump = sh(hj("cd /rump/t && stat -c '%n %s %a %F' a link d1/big && stat -c '%n %a %F' d1"));
  EXPECT_EQ(rump.out, host.out);
  rump = sh(hj("readlink /rump/t/link && cat /rump/t/link"));
  EXPECT_EQ(rump.out, "a\nhello\n");
  rump = sh(hj("ls /rump/t"));
  EXPECT_EQ(rump.out, "a\nd1\nlink\n");
}

TEST_F(Hijack, TarInAndOut) {
  ASSERT_EQ(sh(hj("tar -cf /rump/x.tar -C host .")).status, 0);
  ASSERT_EQ(sh(hj("mkdir -p /rump/u/v && tar -xf /rump/x.tar -C /rump/u/v")).status, 0);
  Shell host = sh("cd " + dir_ + "/host && tar -cf - . | tar -tvf - | awk '{print $1, $3, $6}' | sort");
  Shell rump = sh(hj("tar -cf - -C /rump/u/v . | tar -tvf - | awk '{print $1, $3, $6}' | sort"));
  EXPECT_EQ(rump.out, host.out);
  EXPECT_EQ(sh(hj("cmp /rump/u/v/d1/big host/d1/big")).status, 0);
}

TEST_F(Hijack, MkdirMoveRemove) {
  ASSERT_EQ(sh(hj("mkdir -p /rump/a/b/c")).status, 0);
  EXPECT_EQ(sh(hj("mv /rump/a/b /rump/a/m && ls /rump/a")).out, "m\n");
  EXPECT_EQ(sh(hj("rm -r /rump/a && ls /rump")).out, "dev\n");
  Shell r = sh(hj("rmdir /rump/nonexistent"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("No such file or directory"), std::string::npos) << r.out;
}

TEST_F(Hijack, PythonFileIo) {
  Shell r = sh(hj("python3 -c \"import os; open('/rump/p','w').write('py'*1000); "
                  "print(len(open('/rump/p').read()), os.listdir('/rump'), "
                  "os.stat('/rump/p').st_size)\""));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "2000 ['dev', 'p'] 2000\n");
}

// poll over kernel descriptors (a named pipe in the kernel) alone and mixed with a host pipe,
// as Python's select.poll makes it: readiness on either side, and a blocked poll woken by a
// write on the kernel side from another thread.
TEST_F(Hijack, PollKernelAndHostDescriptors) {
  const char* script =
      "import os, select, threading, time\n"
      "os.mkfifo('/rump/f')\n"
      "print(os.stat('/rump/f').st_mode & 0o170000 == 0o010000)\n"
      "r = os.open('/rump/f', os.O_RDONLY | os.O_NONBLOCK)\n"
      "w = os.open('/rump/f', os.O_WRONLY | os.O_NONBLOCK)\n"
      "hr, hw = os.pipe()\n"
      "name = {r: 'kernel', hr: 'host', w: 'kernel-w'}\n"
      "def show(ev): return sorted((name[fd], e) for fd, e in ev)\n"
      "k = select.poll(); k.register(r, select.POLLIN); k.register(w, select.POLLOUT)\n"
      "print('kernel only', show(k.poll(0)))\n"
      "p = select.poll(); p.register(r, select.POLLIN); p.register(hr, select.POLLIN)\n"
      "print('mixed, nothing', show(p.poll(0)))\n"
      "os.write(w, b'x'); print('mixed, kernel', show(p.poll(1000))); os.read(r, 1)\n"
      "os.write(hw, b'y'); print('mixed, host', show(p.poll(1000))); os.read(hr, 1)\n"
      "threading.Thread(target=lambda: (time.sleep(0.2), os.write(w, b'z'))).start()\n"
      "t0 = time.time(); ev = show(p.poll(5000))\n"
      "print('woken', ev, time.time() - t0 < 4)\n"
      "print('timeout', show(p.poll(50)) if os.read(r, 1) else None)\n"
      // A small alias, what select can name; 3 was the client's connection once (regression:
      // dup2 onto it replaced the connection, and the next call failed with ENOTCONN).
      "a = os.dup2(r, 3)\n"
      "print('select', select.select([a], [], [], 0.05)[0])\n"
      "os.write(w, b'q'); print('select', select.select([a], [], [], 5)[0])\n";
  {
    FILE* f = fopen((dir_ + "/poll.py").c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(script, f);
    fclose(f);
  }
  Shell r = sh(hj("python3 poll.py"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out,
            "True\n"
            "kernel only [('kernel-w', 4)]\n"
            "mixed, nothing []\n"
            "mixed, kernel [('kernel', 1)]\n"
            "mixed, host [('host', 1)]\n"
            "woken [('kernel', 1)] True\n"
            "timeout []\n"
            "select []\n"
            "select [3]\n");
}

// A kernel path longer than PATH_MAX is refused, not cut to another file's name.
TEST_F(Hijack, OverlongPathsAreEnametoolong) {
  Shell r = sh(hj("python3 -c \"import os, errno\n"
                  "open('/rump/lf', 'w').close()\n"
                  "for n in (4095, 4096, 5000):\n"
                  "  try:\n"
                  "    os.stat('/rump' + '/' * (n - 2) + 'lf'); print(n, 'found')\n"
                  "  except OSError as e:\n"
                  "    print(n, errno.errorcode[e.errno])\n\""));
  EXPECT_EQ(r.out, "4095 found\n4096 ENAMETOOLONG\n5000 ENAMETOOLONG\n");
}

TEST_F(Hijack, ForkedChildrenStayHijacked) {
  ASSERT_EQ(sh(hj("cp host/d1/big /rump/big")).status, 0);
  Shell r = sh(hj("sh -c 'wc -l < /dev/null; cat /rump/big | wc -l; cat /rump/big | tail -1'"));
  EXPECT_EQ(r.out, "0\n200000\n200000\n");
}

TEST_F(Hijack, DdOntoAndFromKernelFiles) {
  // dd moves its output file onto descriptor 1 with dup2: a kernel file there.
  ASSERT_EQ(sh(hj("dd if=host/d1/big of=/rump/z bs=64k")).status, 0);
  ASSERT_EQ(sh(hj("dd if=/rump/z of=back bs=4k")).status, 0);
  EXPECT_EQ(sh("cmp " + dir_ + "/host/d1/big " + dir_ + "/back").status, 0);
}

TEST_F(Hijack, WhatCannotBeCarriedFailsLoudly) {
  // A shell's redirection puts a kernel file on descriptor 1. dash writes with write(2), which
  // the library sees; bash's builtins write through glibc's stdio, whose internal write a
  // preload cannot see, and an exec'd program finds a descriptor of its own there: they get
  // EBADF, never a write somewhere else.
  Shell r = sh(hj("echo kept > /rump/r && cat /rump/r"));
  EXPECT_EQ(r.out, "kept\n");
  r = sh(hj("bash -c 'echo lost > /rump/b'"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("Bad file descriptor"), std::string::npos) << r.out;
  r = sh(hj("cat host/a > /rump/c"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("Bad file descriptor"), std::string::npos) << r.out;
  EXPECT_EQ(sh(hj("cat /rump/b /rump/c | wc -c")).out, "0\n");
  // Moving a host descriptor onto a kernel number cannot be done: ENOSYS, said under debug.
  r = sh(hj("RUMPHIJACK_DEBUG=1 python3 -c \"import os; "
            "fd = os.open('/rump/f', os.O_CREAT | os.O_WRONLY); os.dup2(2, fd)\""));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("librumphijack: dup2 between a host and a kernel descriptor"),
            std::string::npos)
      << r.out;
  // A configuration that cannot be honoured is refused at start-up.
  for (const char* bad : {"nosuch=1", "blanket=relative", "blanket=/", "socket=inet:nosuch",
                          "socket=appletalk", "path=x"}) {
    r = sh("RUMP_SERVER=unix://" + dir_ + "/ctrl RUMPHIJACK=" + bad + " LD_PRELOAD='" RK_PRELOAD
           "' /bin/true");
    EXPECT_EQ(r.status, 1) << bad;
    EXPECT_NE(r.out.find("librumphijack"), std::string::npos) << bad << ": " << r.out;
  }
}

// blanket=: paths under the prefixes go to the kernel as they are. The same commands on the
// same path give the same output on the host and, hijacked, in the kernel, and the hijacked
// run leaves the host's directory alone.
TEST_F(Hijack, BlanketPathsAreTheKernelsUnderTheSameNames) {
  const std::string b = dir_ + "/bl", b2 = dir_ + "/bl2";
  const std::string script =
      "cd " + b + " && mkdir -p a/b && echo hi > a/f && cp -r a c && mv c/f c/g && "
      "ln -s f a/l && cat a/l && pwd && /bin/pwd && stat -c '%n %s %a %F' a/f a/l c/g && "
      "find . | sort && rm -r c && ls && cd a && /bin/pwd && cat ./f && cd .. && "
      "ls " + b + "/a && (cd " + b + "/a/b && /bin/pwd) && realpath " + b + "/a/l && "
      "rmdir " + b + "/nonexistent; echo $? && tar -cf - -C " + b + " a | tar -tf - | sort";
  ASSERT_EQ(sh("mkdir " + b).status, 0);
  FILE* f = fopen((dir_ + "/blanket.sh").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(script.c_str(), f);
  fclose(f);
  Shell host = sh("cd " + dir_ + " && /bin/sh blanket.sh");
  ASSERT_EQ(host.status, 0) << host.out;
  ASSERT_EQ(sh("rm -rf " + b).status, 0);
  // The same directory in the kernel, made through path=.
  ASSERT_EQ(sh(hj("mkdir -p /rump" + b + " /rump" + b2)).status, 0);
  Shell rump = sh("export RUMPHIJACK=blanket=" + b + ":" + b2 + "/; " + hj(script));
  EXPECT_EQ(rump.out, host.out);
  EXPECT_NE(sh("test -e " + b).status, 0) << "the hijacked run wrote to the host";
  // The kernel has it (path= still works beside blanket=), the second prefix too.
  EXPECT_EQ(sh(hj("ls /rump" + b + "/a")).out, "b\nf\nl\n");
  EXPECT_EQ(sh("export RUMPHIJACK=blanket=" + b + ":" + b2 + "; " +
               hj("echo two > " + b2 + "/z && cat /rump" + b2 + "/z"))
                .out,
            "two\n");
  EXPECT_NE(sh("test -e " + b2).status, 0);
}

// socket=: NetBSD's syntax; the families it names are made in the kernel, which has no network
// component yet and answers as Linux built without networking does (ENOSYS); the others stay
// the host's.
TEST_F(Hijack, SocketFamiliesGoToTheKernelAndItsAnswerComesBack) {
  const std::string probe =
      "python3 -c \"import socket, errno\n"
      "for name in ('AF_UNIX', 'AF_INET', 'AF_INET6'):\n"
      "  try:\n"
      "    socket.socket(getattr(socket, name)).close(); print(name, 'host')\n"
      "  except OSError as e:\n"
      "    print(name, errno.errorcode[e.errno])\n"
      "try:\n"
      "  socket.socketpair(); print('pair host')\n"
      "except OSError as e:\n"
      "  print('pair', errno.errorcode[e.errno])\n\"";
  auto with = [&](const std::string& cfg) {
    return sh("export RUMPHIJACK=" + cfg + "; " + hj(probe + " 2>/dev/null")).out;
  };
  EXPECT_EQ(sh(hj(probe)).out, "AF_UNIX host\nAF_INET host\nAF_INET6 host\npair host\n");
  EXPECT_EQ(with("socket=no"), "AF_UNIX host\nAF_INET host\nAF_INET6 host\npair host\n");
  EXPECT_EQ(with("socket=inet"), "AF_UNIX host\nAF_INET ENOSYS\nAF_INET6 host\npair host\n");
  EXPECT_EQ(with("socket=all:nolocal"),
            "AF_UNIX host\nAF_INET ENOSYS\nAF_INET6 ENOSYS\npair host\n");
  EXPECT_EQ(with("socket=all:nounix:noinet6"),
            "AF_UNIX host\nAF_INET ENOSYS\nAF_INET6 host\npair host\n");
  EXPECT_EQ(with("socket=all"), "AF_UNIX ENOSYS\nAF_INET ENOSYS\nAF_INET6 ENOSYS\npair ENOSYS\n");
  EXPECT_EQ(with("socket=inet6:no:unix"),
            "AF_UNIX ENOSYS\nAF_INET host\nAF_INET6 host\npair ENOSYS\n");
  // Under RUMPHIJACK_DEBUG the kernel's refusal is said on stderr.
  Shell r = sh("export RUMPHIJACK=socket=inet RUMPHIJACK_DEBUG=1; " +
               hj("python3 -c 'import socket; socket.socket()'"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("librumphijack: socket of family 2 on the rump kernel"), std::string::npos)
      << r.out;
}

// The docs' session (docs/SERVER.md): an ext2 image made by mkfs.ext2, mounted in the server,
// filled through the hijack, checked by e2fsck and debugfs after rump.halt.
TEST_F(Hijack, Ext2ImageFilledThroughTheHijackIsClean) {
  if (sh("command -v mkfs.ext2 && command -v e2fsck && command -v debugfs").status != 0)
    GTEST_SKIP() << "e2fsprogs not installed";
  std::string ctrl = "RUMP_SERVER=unix://" + dir_ + "/img ";
  ASSERT_EQ(sh("cd " + dir_ + " && truncate -s 16m disk.img && mkfs.ext2 -q -F disk.img").status,
            0);
  Shell r = sh(std::string(RK_TOOLDIR) + "/rump_allserver -d key=/dev/xvda,hostpath=" + dir_ +
               "/disk.img,size=host unix://" + dir_ + "/img");
  ASSERT_EQ(r.status, 0) << r.out;
  r = sh(ctrl + RK_TOOLDIR + "/rump.mount -t ext2 /dev/xvda /dev");
  if (r.status != 0) {
    sh(ctrl + RK_TOOLDIR + "/rump.halt");
    GTEST_SKIP() << "no ext2 component in this build: " << r.out;
  }
  std::string hijacked = "cd " + dir_ + " && " + ctrl + "LD_PRELOAD='" RK_PRELOAD
                         "' ASAN_OPTIONS=detect_leaks=0 ";
  EXPECT_EQ(sh(hijacked + "cp -a host /rump/dev/tree").status, 0);
  EXPECT_EQ(sh(hijacked + "tar -cf /rump/dev/tree.tar -C host .").status, 0);
  EXPECT_EQ(sh(hijacked + "sha256sum /rump/dev/tree/d1/big | cut -d' ' -f1").out,
            sh("sha256sum " + dir_ + "/host/d1/big | cut -d' ' -f1").out);
  r = sh(ctrl + RK_TOOLDIR + "/rump.halt");
  ASSERT_EQ(r.status, 0) << r.out;
  r = sh("e2fsck -fn " + dir_ + "/disk.img");
  EXPECT_EQ(r.status, 0) << r.out;
  r = sh("debugfs -R 'cat /tree/d1/big' " + dir_ + "/disk.img 2>/dev/null | sha256sum | cut -d' ' -f1");
  EXPECT_EQ(r.out, sh("sha256sum " + dir_ + "/host/d1/big | cut -d' ' -f1").out);
  r = sh("debugfs -R 'ls /' " + dir_ + "/disk.img 2>/dev/null");
  EXPECT_NE(r.out.find("tree.tar"), std::string::npos) << r.out;
}

// Extended attributes on kernel files: the same Python calls give the same answers as on the
// host directory, through paths and descriptors; cp -a keeps a host file's attributes.
TEST_F(Hijack, ExtendedAttributesLikeTheHost) {
  const std::string py =
      "import os, sys\n"
      "d = sys.argv[1]\n"
      "open(d + '/x', 'w').write('1')\n"
      "os.setxattr(d + '/x', 'user.a', b'value')\n"
      "os.setxattr(d + '/x', 'user.b', b'')\n"
      "print(os.getxattr(d + '/x', 'user.a'), sorted(os.listxattr(d + '/x')))\n"
      "os.removexattr(d + '/x', 'user.b')\n"
      "fd = os.open(d + '/x', os.O_RDONLY)\n"
      "os.setxattr(fd, 'user.fd', b'via fd')\n"
      "print(os.getxattr(fd, 'user.fd'), sorted(os.listxattr(fd)))\n"
      "for call in (lambda: os.getxattr(d + '/x', 'user.none'), lambda: os.removexattr(d + '/x', 'user.b'),\n"
      "             lambda: os.setxattr(d + '/x', 'user.a', b'x', os.XATTR_CREATE)):\n"
      "  try: call()\n"
      "  except OSError as e: print(e.errno)\n";
  FILE* f = fopen((dir_ + "/xattr.py").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(py.c_str(), f);
  fclose(f);
  Shell host = sh("mkdir -p " + dir_ + "/hx && python3 " + dir_ + "/xattr.py " + dir_ + "/hx");
  if (host.status != 0) GTEST_SKIP() << "the host directory takes no user.* attributes: " << host.out;
  Shell rump = sh(hj("mkdir /rump/rx && python3 xattr.py /rump/rx"));
  EXPECT_EQ(rump.status, 0) << rump.out;
  EXPECT_EQ(rump.out, host.out);
  // cp -a carries them (through libattr's calls of the same functions).
  sh("python3 -c \"import os; os.setxattr('" + dir_ + "/host/a', 'user.kept', b'yes')\"");
  ASSERT_EQ(sh(hj("cp -a host/a /rump/a2")).status, 0);
  Shell r = sh(hj("python3 -c \"import os; print(os.getxattr('/rump/a2', 'user.kept'))\""));
  EXPECT_EQ(r.out, "b'yes'\n");
}

TEST_F(Hijack, HostPathsAreUntouched) {
  Shell r = sh(hj("cat host/a && ls " + dir_ + "/host && echo x > host/new && cat host/new"));
  EXPECT_EQ(r.out, "hello\na\nd1\nlink\nx\n");
}

}  // namespace
}  // namespace rk::test
