// The fsu_* commands in-process, on a tmpfs mounted at /mnt of the test's kernel, compared with
// coreutils (and diff, tar) on the same tree on the host.
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "tests/fsu/fsu_test.h"

namespace {

using fsu_test::quote;
using fsu_test::run_command;
using fsu_test::sh;

class FsuCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_init(), 0);
    rump_sys_mkdir("/mnt", 0755);
    ASSERT_EQ(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, nullptr), 0) << std::strerror(errno);
    ::setenv("TZ", "UTC", 1);
    ::setenv("LC_ALL", "C", 1);
    tzset();
  }
  void TearDown() override { EXPECT_EQ(rump_sys_umount2("/mnt", 0), 0) << std::strerror(errno); }

  // The sample tree on the host, and put -R -p into the image as /t.
  std::string put_tree() {
    std::string d = fsu_test::host_dir("tree");
    fsu_test::make_tree(d);
    auto r = run_command("put", {"-R", "-p", d, "/t"});
    EXPECT_EQ(r.status, 0) << r.err;
    return d;
  }
};

// Everything about a tree that a copy with -p keeps, one line a file, sorted.
// seconds_only: for tar, whose ustar headers keep whole seconds (as GNU tar's do).
std::string describe(const std::string& dir, bool seconds_only = false) {
  return sh("cd " + quote(dir) + " && find . -printf '%p %y %m %U %G %s %n %l\\n' | sort").out +
         sh("cd " + quote(dir) + " && find . ! -type l -printf '%p %T@\\n' | sort" +
            (seconds_only ? " | sed 's/[.][0-9]*$//'" : "")).out;
}

// ls -l output with what differs between file systems taken out: the totals (block counts) and
// the sizes of directories.
std::string normalize_ls(const std::string& s) {
  std::istringstream in(s);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("total ", 0) == 0) continue;
    if (line.size() > 3 && line.compare(line.size() - 3, 3, " ..") == 0) continue;  // the parent's links
    if (line.size() > 10 && line[0] == 'd' && line.find_first_not_of("rwxsStT-", 1) == 10) {
      // mode links owner group SIZE ...: blank the fifth field.
      std::istringstream f(line);
      std::string w[5];
      for (auto& x : w) f >> x;
      std::string rest;
      std::getline(f, rest);
      line = w[0] + " " + w[1] + " " + w[2] + " " + w[3] + " DIRSIZE" + rest;
      // Also squeeze the padding that depends on the widest size.
    }
    std::string squeezed;
    for (char c : line) {
      if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
      squeezed += c;
    }
    out += squeezed + "\n";
  }
  return out;
}

TEST_F(FsuCommands, PutThenGetKeepsModesTimesLinksAndData) {
  std::string src = put_tree();
  std::string back = fsu_test::host_dir("back");
  auto r = run_command("get", {"-R", "-p", "/t", back + "/t"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(describe(src), describe(back + "/t"));
  EXPECT_EQ(sh("diff -r --no-dereference -x fifo " + quote(src) + " " + quote(back + "/t")).status, 0);
  // The 1 MiB hole stayed a hole both ways.
  EXPECT_LT(std::stoi(run_command("stat", {"-c", "%b", "/t/sparse"}).out), 64);
  EXPECT_LT(std::stoi(sh("stat -c %b " + quote(back + "/t/sparse")).out), 64);
}

TEST_F(FsuCommands, LsMatchesCoreutils) {
  std::string src = put_tree();
  for (std::string opt : {"-l", "-la", "-lA", "-1", "-1a", "-A", "-ln", "-lh", "-lt", "-ltr", "-lr", "-lR", "-1R"}) {
    auto r = run_command("ls", {opt, "/t"});
    ASSERT_EQ(r.status, 0) << opt << ": " << r.err;
    std::string host = sh("cd " + quote(src) + " && ls " + opt + " .").out;
    std::string mine = r.out;
    if (opt.find('R') != std::string::npos) {
      // ls -R names the directories as they were given: "." on the host, "/t" here.
      if (mine.rfind("/t:", 0) == 0) mine.replace(0, 2, ".");
      for (size_t pos = 0; (pos = mine.find("\n/t/", pos)) != std::string::npos;) mine.replace(pos + 1, 2, ".");
    }
    EXPECT_EQ(normalize_ls(mine), normalize_ls(host)) << "ls " << opt;
  }
}

TEST_F(FsuCommands, LsOfFilesAndDirectoriesAsArguments) {
  std::string src = put_tree();
  auto r = run_command("ls", {"-ld", "/t/sub", "/t/a.txt", "/t/link"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("/t/link -> a.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("drwxr-x--- "), std::string::npos) << r.out;
  r = run_command("ls", {"/t/sub", "/t/a.txt"});
  EXPECT_EQ(r.out, "/t/a.txt\n\n/t/sub:\ndeep\n");
  r = run_command("ls", {"/nope"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "fsu_ls: /nope: No such file or directory\n");
  r = run_command("ls", {"-Z"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "fsu_ls: -Z: unknown option\n");
  r = run_command("ls", {"-i", "/t/a.txt"});
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/mnt/t/a.txt", &st), 0);
  EXPECT_EQ(r.out, std::to_string(st.st_ino) + " /t/a.txt\n");
}

TEST_F(FsuCommands, StatMatchesCoreutils) {
  std::string src = put_tree();
  for (std::string f : {"a.txt", "link", "sub", "fifo", "rand"}) {
    auto r = run_command("stat", {"/t/" + f});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string host = sh("cd " + quote(src) + " && stat " + f).out;
    std::istringstream a(r.out), b(host);
    std::string la, lb;
    for (int i = 0; std::getline(a, la) && std::getline(b, lb); ++i) {
      if (i == 0 || i == 3 || i == 5) {  // not the access time: reading for the copy moved it
        if (i == 0) la.replace(la.find("/t/"), 3, "");
        EXPECT_EQ(la, lb) << f << " line " << i;
      }
      if (i == 1 && f != "sub") {
        // Size and type (the block counts are the file system's own).
        EXPECT_EQ(la.substr(0, 18), lb.substr(0, 18)) << f;
        EXPECT_EQ(la.substr(la.rfind("   ")), lb.substr(lb.rfind("   "))) << f;
      }
    }
  }
  auto r = run_command("stat", {"-c", "%n %s %a %A %F %h %U", "/t/a.txt", "/t/sub"});
  ASSERT_EQ(r.status, 0);
  std::string host = sh("cd " + quote(src) + " && stat -c '%s %a %A %F %h %U' a.txt").out;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n') + 1), "/t/a.txt " + host);
}

TEST_F(FsuCommands, WriteCatAppend) {
  auto r = run_command("write", {"/w"}, "first line\n");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_command("write", {"-a", "/w"}, "second\n");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_command("cat", {"/w", "/w"});
  EXPECT_EQ(r.out, "first line\nsecond\nfirst line\nsecond\n");
  r = run_command("write", {"/w"}, "");
  r = run_command("cat", {"/w"});
  EXPECT_EQ(r.out, "");
  r = run_command("cat", {"/w", "/nope"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "fsu_cat: /nope: No such file or directory\n");
  r = run_command("write", {"/nodir/x"}, "x");
  EXPECT_EQ(r.err, "fsu_write: /nodir/x: No such file or directory\n");
}

TEST_F(FsuCommands, MkdirRmdirRm) {
  EXPECT_EQ(run_command("mkdir", {"-p", "/a/b/c", "/a/b/d"}).status, 0);
  EXPECT_EQ(run_command("mkdir", {"-p", "/a/b"}).status, 0);
  auto r = run_command("mkdir", {"/a"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "fsu_mkdir: /a: File exists\n");
  r = run_command("mkdir", {"-m", "700", "/m"});
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/mnt/m", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(run_command("rmdir", {"-p", "a/b/c"}).status, 1);  // a/b still has d
  ASSERT_NE(rump_sys_stat("/mnt/a/b/c", &st), 0);
  EXPECT_EQ(run_command("write", {"/a/b/d/f"}, "x").status, 0);
  r = run_command("rm", {"/a"});
  EXPECT_EQ(r.err, "fsu_rm: /a: Is a directory\n");
  r = run_command("rm", {"/a/b/d/f", "/gone"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "fsu_rm: /gone: No such file or directory\n");
  EXPECT_EQ(run_command("rm", {"-f", "/gone"}).status, 0);
  EXPECT_EQ(run_command("write", {"/a/b/d/g"}, "x").status, 0);
  EXPECT_EQ(run_command("rm", {"-r", "/a"}).status, 0);
  EXPECT_NE(rump_sys_stat("/mnt/a", &st), 0);
  EXPECT_NE(run_command("rm", {"-r", "/"}).status, 0);
}

TEST_F(FsuCommands, ChmodLikeCoreutils) {
  std::string d = fsu_test::host_dir("chmod");
  for (std::string spec : {"u+x", "go-w", "a=r", "755", "u=rwx,g=rx,o=", "+t", "g+s", "o-r", "a+X", "u-w,g+w",
                           "=", "644", "ug=rw", "o=u"}) {
    sh("cd " + quote(d) + " && rm -f f && touch f && chmod 0640 f && chmod " + spec + " f");
    std::string host = sh("stat -c %a " + quote(d + "/f")).out;
    EXPECT_EQ(run_command("write", {"/f"}, "").status, 0);
    EXPECT_EQ(run_command("chmod", {"0640", "/f"}).status, 0);
    auto r = run_command("chmod", {spec, "/f"});
    ASSERT_EQ(r.status, 0) << spec << r.err;
    EXPECT_EQ(run_command("stat", {"-c", "%a", "/f"}).out, host) << spec;
  }
  EXPECT_EQ(run_command("chmod", {"-w", "/f"}).status, 0);  // a mode, not an option
  auto r = run_command("chmod", {"u+q", "/f"});
  EXPECT_EQ(r.err, "fsu_chmod: u+q: invalid mode\n");
  EXPECT_EQ(run_command("mkdir", {"-p", "/r/s"}).status, 0);
  EXPECT_EQ(run_command("chmod", {"-R", "700", "/r"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%a", "/r/s"}).out, "700\n");
}

TEST_F(FsuCommands, ChownTouchLnMv) {
  EXPECT_EQ(run_command("write", {"/f"}, "x").status, 0);
  EXPECT_EQ(run_command("chown", {"1234:567", "/f"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%u %g", "/f"}).out, "1234 567\n");
  EXPECT_EQ(run_command("chown", {":89", "/f"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%u %g", "/f"}).out, "1234 89\n");
  EXPECT_EQ(run_command("chown", {"root", "/f"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%u %g", "/f"}).out, "0 89\n");
  EXPECT_EQ(run_command("chown", {"no-such-user-here", "/f"}).err, "fsu_chown: no-such-user-here: invalid user\n");

  EXPECT_EQ(run_command("touch", {"-d", "2001-02-03 04:05:06", "/f", "/new"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%Y %X", "/f"}).out, "981173106 981173106\n");
  EXPECT_EQ(run_command("stat", {"-c", "%Y", "/new"}).out, "981173106\n");
  EXPECT_EQ(run_command("touch", {"-m", "-t", "202001020304.05", "/f"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%Y %X", "/f"}).out, "1577934245 981173106\n");
  EXPECT_EQ(run_command("touch", {"-c", "/absent"}).status, 0);
  struct stat st;
  EXPECT_NE(rump_sys_stat("/mnt/absent", &st), 0);
  EXPECT_EQ(run_command("touch", {"-r", "/f", "/new"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%Y", "/new"}).out, "1577934245\n");

  EXPECT_EQ(run_command("ln", {"-s", "f", "/s"}).status, 0);
  EXPECT_EQ(run_command("ln", {"/f", "/h"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%h %N", "/f", "/s"}).out, "2 /f\n1 /s -> f\n");
  EXPECT_EQ(run_command("ln", {"-s", "other", "/s"}).err, "fsu_ln: /s: File exists\n");
  EXPECT_EQ(run_command("ln", {"-sf", "other", "/s"}).status, 0);
  EXPECT_EQ(run_command("stat", {"-c", "%N", "/s"}).out, "/s -> other\n");
  EXPECT_EQ(run_command("mkdir", {"/d"}).status, 0);
  EXPECT_EQ(run_command("mv", {"/f", "/h", "/d"}).status, 0);
  EXPECT_EQ(run_command("mv", {"/d/f", "/d/g"}).status, 0);
  EXPECT_EQ(run_command("ls", {"/d"}).out, "g\nh\n");
  EXPECT_EQ(run_command("mv", {"/x", "/y"}).err, "fsu_mv: /x: No such file or directory\n");
}

TEST_F(FsuCommands, MkfifoMknod) {
  EXPECT_EQ(run_command("mkfifo", {"-m", "600", "/p"}).status, 0);
  EXPECT_EQ(run_command("mknod", {"/c", "c", "1", "3"}).status, 0);
  EXPECT_EQ(run_command("mknod", {"-m", "0640", "/b", "b", "8", "1"}).status, 0);
  EXPECT_EQ(run_command("mknod", {"/q", "p"}).status, 0);
  auto r = run_command("ls", {"-l", "/"});
  EXPECT_NE(r.out.find("brw-r----- 1 root root 8, 1 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("crw-r--r-- 1 root root 1, 3 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prw------- 1 root root    0 "), std::string::npos) << r.out;
  EXPECT_EQ(run_command("mknod", {"/z", "c"}).status, 1);
}

TEST_F(FsuCommands, CpInsideTheImage) {
  put_tree();
  EXPECT_EQ(run_command("cp", {"/t/a.txt", "/copy"}).status, 0);
  EXPECT_EQ(run_command("cat", {"/copy"}).out, "hello\n");
  auto r = run_command("cp", {"/t", "/t2"});
  EXPECT_EQ(r.err, "fsu_cp: /t: -R not specified; omitting directory\n");
  EXPECT_EQ(run_command("cp", {"-a", "/t", "/t2"}).status, 0);
  std::string host = fsu_test::host_dir("cp1"), host2 = fsu_test::host_dir("cp2");
  EXPECT_EQ(run_command("get", {"-a", "/t", host + "/t"}).status, 0);
  EXPECT_EQ(run_command("get", {"-a", "/t2", host2 + "/t"}).status, 0);
  EXPECT_EQ(describe(host + "/t"), describe(host2 + "/t"));
  // Into an existing directory.
  EXPECT_EQ(run_command("mkdir", {"/into"}).status, 0);
  EXPECT_EQ(run_command("cp", {"/t/a.txt", "/t/empty", "/into"}).status, 0);
  EXPECT_EQ(run_command("ls", {"/into"}).out, "a.txt\nempty\n");
  EXPECT_EQ(run_command("cp", {"/t/a.txt", "/t/empty", "/copy"}).err, "fsu_cp: /copy: target is not a directory\n");
  EXPECT_EQ(run_command("cp", {"-R", "/t/sub", "/t/sub/deep"}).err,
            "fsu_cp: /t/sub: cannot copy a directory into itself, /t/sub/deep/sub\n");
  EXPECT_EQ(run_command("cp", {"-R", "/t/sub", "/t/sub"}).status, 1);
}

TEST_F(FsuCommands, EcpBothWays) {
  std::string d = fsu_test::host_dir("ecp");
  sh("echo host > " + quote(d + "/h"));
  EXPECT_EQ(run_command("ecp", {d + "/h", "/h"}).status, 0);
  EXPECT_EQ(run_command("cat", {"/h"}).out, "host\n");
  EXPECT_EQ(run_command("ecp", {"-g", "/h", d + "/back"}).status, 0);
  EXPECT_EQ(sh("cat " + quote(d + "/back")).out, "host\n");
}

TEST_F(FsuCommands, DfAndDu) {
  put_tree();
  auto r = run_command("df", {});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "Filesystem     1K-blocks  Used Available Use% Mounted on");
  EXPECT_NE(r.out.find("\ntest.img "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% /\n"), std::string::npos) << r.out;
  r = run_command("df", {"-i"});
  EXPECT_EQ(sh("printf '%s' " + quote(r.out) + " | head -1 | tr -s ' '").out, "Filesystem Inodes IUsed IFree IUse% Mounted on\n");
  r = run_command("du", {"-s", "/t/sub"});
  EXPECT_EQ(r.out, "4\t/t/sub\n");  // one 4 KiB page of tmpfs for the one small file
  r = run_command("du", {"-ab", "/t/sub"});
  EXPECT_NE(r.out.find("5\t/t/sub/deep/f\n"), std::string::npos) << r.out;
  r = run_command("du", {"-b", "-a", "-d", "0", "/t"});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

TEST_F(FsuCommands, FindLikeFind) {
  std::string src = put_tree();
  struct Case {
    std::vector<std::string> args;
    std::string host;
  };
  std::vector<Case> cases = {
      {{"/t"}, ""},
      {{"/t", "-name", "*.txt"}, "-name '*.txt'"},
      {{"/t", "-type", "d"}, "-type d"},
      {{"/t", "-maxdepth", "1", "-type", "l"}, "-maxdepth 1 -type l"},
      {{"/t", "!", "-type", "f", "-mindepth", "2"}, "! -type f -mindepth 2"},
      {{"/t", "-size", "+100k"}, "-size +100k"},
      {{"/t", "-empty"}, "-empty"},
      {{"/t", "-name", "sub", "-prune", "-o", "-type", "f", "-print"}, "-name sub -prune -o -type f -print"},
      {{"/t", "(", "-name", "a*", "-o", "-name", "e*", ")", "-type", "f"}, "\\( -name 'a*' -o -name 'e*' \\) -type f"},
      {{"/t", "-perm", "-4000"}, "-perm -4000"},
      {{"/t", "-links", "2", "-type", "f"}, "-links 2 -type f"},
      {{"/t", "-mtime", "+1000"}, "-mtime +1000"},
      {{"/t", "-mtime", "-1", "-type", "f"}, "-mtime -1 -type f"},
      {{"/t", "-mmin", "+60"}, "-mmin +60"},
      {{"/t", "-newer", "/t/sub/deep/f", "-type", "f"}, "-newer sub/deep/f -type f"},
      // -exec: the command gets a host copy of each file; the output is the command's.
      {{"/t", "-name", "*.txt", "-exec", "cat", "{}", ";"}, "-name '*.txt' -exec cat {} \\;"},
      {{"/t", "-type", "f", "-name", "[fn]*", "-exec", "cat", "{}", "+"},
       "-type f -name '[fn]*' -exec cat {} +"},
  };
  for (const Case& c : cases) {
    auto r = run_command("find", c.args);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string mine = r.out;
    for (size_t pos = 0; (pos = mine.find("/t", pos)) != std::string::npos;) {
      if (pos == 0 || mine[pos - 1] == '\n') mine.replace(pos, 2, ".");
      ++pos;
    }
    std::string host = sh("cd " + quote(src) + " && find . " + c.host + " | sort").out;
    std::string sorted = sh("printf '%s' " + quote(mine) + " | sort").out;
    EXPECT_EQ(sorted, host) << c.host;
  }
  EXPECT_EQ(run_command("find", {"/t", "-bogus"}).err, "fsu_find: -bogus: unknown predicate\n");
}

TEST_F(FsuCommands, DiffLikeDiff) {
  std::string d = fsu_test::host_dir("diff");
  sh("cd " + quote(d) + " && seq 1 40 > a && seq 1 40 | sed -e 's/^5$/five/' -e '/^12$/d' -e 's/^20$/20\\nx/' > b"
     " && printf 'tail' >> b && mkdir -p x/s y/s && echo 1 > x/s/f && echo 2 > y/s/f && echo o > x/only"
     " && cp a x/same && cp a y/same");
  EXPECT_EQ(run_command("put", {"-R", d, "/d"}).status, 0);
  for (std::string opt : {"", "-u", "-c", "-q"}) {
    std::vector<std::string> args = {"/d/a", "/d/b"};
    if (!opt.empty()) args.insert(args.begin(), opt);
    auto r = run_command("diff", args);
    EXPECT_EQ(r.status, 1);
    std::string host = sh("cd " + quote(d) + " && diff " + opt + " a b | sed -e 's|^--- a.*|--- A|' -e 's|^+++ b.*|+++ B|'"
                          " -e 's|^[*][*][*] a[[:space:]].*|*** A|' -e 's|^--- b[[:space:]].*|--- B|'"
                          " -e 's|^Files a and b|Files /d/a and /d/b|'").out;
    std::string mine = sh("printf '%s' " + quote(r.out) + " | sed -e 's|^--- /d/a.*|--- A|' -e 's|^+++ /d/b.*|+++ B|'"
                          " -e 's|^[*][*][*] /d/a[[:space:]].*|*** A|' -e 's|^--- /d/b[[:space:]].*|--- B|'").out;
    EXPECT_EQ(mine, host) << "diff " << opt;
  }
  // Hunks that only delete or only add, and empty files, in both formats with context.
  sh("cd " + quote(d) + " && : > e && seq 1 30 | sed '10,12d' > del && seq 1 30 | sed '20a\\\nnew\\\nlines' > add"
     " && seq 1 30 > base");
  EXPECT_EQ(run_command("put", {d + "/e", d + "/del", d + "/add", d + "/base", "/d"}).status, 0);
  for (std::string opt : {"-c", "-u"}) {
    for (auto [x, y] : {std::pair{"e", "base"}, std::pair{"base", "e"}, std::pair{"base", "del"},
                        std::pair{"base", "add"}, std::pair{"del", "add"}}) {
      auto r = run_command("diff", {opt, std::string("/d/") + x, std::string("/d/") + y});
      std::string host = sh("cd " + quote(d) + " && diff " + opt + " " + x + " " + y +
                            " | sed -e '1,2s|\\t.*||' -e '1,2s| \\([a-z]*\\)$| /d/\\1|'").out;
      std::string mine = sh("printf '%s' " + quote(r.out) + " | sed -e '1,2s|\\t.*||'").out;
      EXPECT_NE(mine.find("\n"), std::string::npos);
      EXPECT_EQ(mine, host) << "diff " << opt << " " << x << " " << y;
    }
  }
  auto r = run_command("diff", {"-r", "/d/x", "/d/y"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "Only in /d/x: only\ndiff -r /d/x/s/f /d/y/s/f\n1c1\n< 1\n---\n> 2\n");
  EXPECT_EQ(r.out, sh("cd " + quote(d) + " && diff -r x y | sed 's|\\([xy]\\)/|/d/\\1/|g; s|in x:|in /d/x:|'").out);
  EXPECT_EQ(run_command("diff", {"/d/a", "/d/x/same"}).status, 0);
  EXPECT_EQ(run_command("diff", {"/d/a", "/d/none"}).status, 2);
}

TEST_F(FsuCommands, TarOutAndIn) {
  std::string src = put_tree();
  std::string d = fsu_test::host_dir("tar");
  auto r = run_command("tar", {"-c", "-f", d + "/out.tar", "-C", "/t", "."});
  ASSERT_EQ(r.status, 0) << r.err;
  // GNU tar reads it, and lists the same members as its own archive of the host tree.
  std::string mine = sh("tar -tf " + quote(d + "/out.tar") + " | sort").out;
  std::string host = sh("cd " + quote(src) + " && tar -cf - . | tar -tf - | sort").out;
  EXPECT_EQ(mine, host);
  sh("mkdir " + quote(d + "/x") + " && tar -xpf " + quote(d + "/out.tar") + " -C " + quote(d + "/x"));
  EXPECT_EQ(describe(src, true), describe(d + "/x", true));
  // And the other way: a GNU tar archive (with a long name, pax headers) extracted into the image.
  std::string longname(150, 'n');
  sh("cd " + quote(src) + " && mkdir -p deepdir/" + longname + " && echo long > deepdir/" + longname + "/" + longname +
     " && tar --format=pax -cf " + quote(d + "/in.tar") + " .");
  EXPECT_EQ(run_command("mkdir", {"/in"}).status, 0);
  r = run_command("tar", {"-x", "-f", d + "/in.tar", "-C", "/in"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run_command("get", {"-a", "/in", d + "/back"}).status, 0);
  EXPECT_EQ(describe(src, true), describe(d + "/back", true));
  r = run_command("tar", {"-tv", "-f", d + "/out.tar"});
  EXPECT_NE(r.out.find("./sub/deep/f"), std::string::npos);
}

// Compressed archives: -z/-j/-J run the host's compressor (gzip, bzip2, xz) between the archive
// and the tar stream; reading a file, its magic number picks the program without an option.
TEST_F(FsuCommands, TarCompressed) {
  std::string src = put_tree();
  std::string d = fsu_test::host_dir("tarz");
  std::string host = sh("cd " + quote(src) + " && tar -cf - . | tar -tf - | sort").out;
  for (auto [opt, prog, ext] : {std::tuple{"-z", "gzip", "tgz"}, std::tuple{"-j", "bzip2", "tbz"},
                                std::tuple{"-J", "xz", "txz"}}) {
    if (sh(std::string("command -v ") + prog).status != 0) continue;
    std::string a = d + "/out." + ext;
    auto r = run_command("tar", {"-c", opt, "-f", a, "-C", "/t", "."});
    ASSERT_EQ(r.status, 0) << opt << r.err;
    EXPECT_EQ(sh("tar -t " + std::string(opt) + " -f " + quote(a) + " | sort").out, host) << opt;
    // A host archive in, without naming the compression.
    std::string in = d + "/in." + ext;
    sh("tar -c " + std::string(opt) + " -f " + quote(in) + " -C " + quote(src) + " .");
    std::string into = std::string("/in_") + ext;
    ASSERT_EQ(run_command("mkdir", {into}).status, 0);
    r = run_command("tar", {"-x", "-f", in, "-C", into});
    ASSERT_EQ(r.status, 0) << opt << r.err;
    EXPECT_EQ(run_command("get", {"-a", into, d + "/back_" + ext}).status, 0);
    EXPECT_EQ(describe(src, true), describe(d + "/back_" + ext, true)) << opt;
  }
  // A compressor that fails is an error, not a silent empty archive.
  sh("printf 'not gzip' > " + quote(d + "/bad.tgz"));
  auto r = run_command("tar", {"-t", "-z", "-f", d + "/bad.tgz"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("gzip failed"), std::string::npos) << r.err;
}

// Damaged archives (random bytes changed, cut short) fail with a message or extract what they
// can; nothing crashes (the tests run under ASan and UBSan) and the image stays usable.
TEST_F(FsuCommands, TarSurvivesDamagedArchives) {
  std::string src = put_tree();
  std::string d = fsu_test::host_dir("tardamage");
  ASSERT_EQ(run_command("tar", {"-c", "-f", d + "/good.tar", "-C", "/t", "."}).status, 0);
  std::string good = sh("cat " + quote(d + "/good.tar")).out;
  ASSERT_GT(good.size(), 10240u);
  std::srand(42);
  for (int i = 0; i < 60; ++i) {
    std::string bad = good;
    int changes = 1 + std::rand() % 8;
    for (int c = 0; c < changes; ++c) {
      // Mostly in the headers' first block, where the numbers and names are.
      size_t at = (std::rand() % 4 == 0) ? static_cast<size_t>(std::rand()) % bad.size()
                                         : static_cast<size_t>(std::rand() % 512);
      bad[at] = static_cast<char>(std::rand());
    }
    if (i % 5 == 0) bad.resize(static_cast<size_t>(std::rand()) % bad.size());
    FILE* f = std::fopen((d + "/bad.tar").c_str(), "wb");
    std::fwrite(bad.data(), 1, bad.size(), f);
    std::fclose(f);
    std::string into = "/x" + std::to_string(i);
    ASSERT_EQ(run_command("mkdir", {into}).status, 0);
    auto r = run_command("tar", {"-x", "-f", d + "/bad.tar", "-C", into});
    if (r.status != 0) {
      EXPECT_NE(r.err, "") << i;
    }
    run_command("tar", {"-t", "-f", d + "/bad.tar"});
  }
  EXPECT_EQ(run_command("rm", {"-r", "/x0"}).status, 0);
  // To standard output and back from standard input.
  auto r = run_command("tar", {"-c", "-C", "/t", "sub"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto l = run_command("tar", {"-t"}, r.out);
  EXPECT_EQ(l.out, "sub/\nsub/deep/\nsub/deep/f\n");
  EXPECT_EQ(run_command("tar", {"-x", "-C", "/"}, r.out).status, 0);
  EXPECT_EQ(run_command("cat", {"/sub/deep/f"}).out, "deep\n");
}

TEST_F(FsuCommands, ExecRunsAHostCommandOnAFile) {
  EXPECT_EQ(run_command("write", {"/e"}, "old text\n").status, 0);
  EXPECT_EQ(run_command("chmod", {"640", "/e"}).status, 0);
  auto r = run_command("exec", {"sed", "-i", "s/old/new/", "/e"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run_command("cat", {"/e"}).out, "new text\n");
  EXPECT_EQ(run_command("stat", {"-c", "%a", "/e"}).out, "640\n");
  // A failing command leaves the file alone, and its status is fsu_exec's.
  r = run_command("exec", {"sh", "-c", "echo junk > \"$0\"; exit 3", "/e"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(run_command("cat", {"/e"}).out, "new text\n");
  r = run_command("exec", {"sh", "-c", "echo made > \"$0\"", "/made"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run_command("cat", {"/made"}).out, "made\n");
  r = run_command("exec", {"/no/such/program", "/e"});
  EXPECT_EQ(r.err, "fsu_exec: /no/such/program: No such file or directory\n");
}

TEST_F(FsuCommands, HelpTextsAndTable) {
  for (const fsu::Command& c : fsu::commands()) {
    EXPECT_NE(c.help, nullptr);
    EXPECT_NE(std::string(c.synopsis), "");
  }
  EXPECT_EQ(fsu::find_command("nope"), nullptr);
}

}  // namespace
