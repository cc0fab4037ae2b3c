// The table of commands with their --help texts, and Context's messages.
#include <cstring>

#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

bool always(const Args&) { return true; }

bool has_flag(const Args& args, char flag) {
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find(flag) != std::string::npos) return true;
  }
  return false;
}

bool ecp_reads(const Args& args) { return has_flag(args, 'g'); }
bool tar_reads(const Args& args) {
  for (const std::string& a : args) {
    if (a == "--create" || a == "--list") return true;
    if (a == "--extract") return false;
  }
  // Options of tar may be given without a dash first ("cf out.tar").
  if (!args.empty() && args[0].size() && args[0][0] != '-' &&
      args[0].find_first_not_of("cxtvfpC") == std::string::npos) {
    return args[0].find('x') == std::string::npos;
  }
  return !has_flag(args, 'x');
}

const std::vector<Command> kCommands = {
    {"cat", cmd_cat, always, "FILE...", "Print the contents of FILEs of the image on standard output."},
    {"chmod", cmd_chmod, nullptr, "[-Rv] MODE FILE...",
     "Change the mode of FILEs: MODE is octal (644) or symbolic (u+x,go-w,a=r).\n"
     "  -R  also everything below directories\n  -v  tell about every file"},
    {"chown", cmd_chown, nullptr, "[-Rhv] OWNER[:GROUP] FILE...",
     "Change the owner and group of FILEs. OWNER and GROUP are numbers or names of the host's\n"
     "password and group databases; ':GROUP' alone changes only the group.\n"
     "  -R  also everything below directories (symbolic links themselves)\n"
     "  -h  change symbolic links themselves, not what they point to"},
    {"cp", cmd_cp, nullptr, "[-RpLa] SOURCE... DEST",
     "Copy files inside the image, as cp(1).\n"
     "  -R, -r  copy directories recursively, symbolic links and special files as they are\n"
     "  -p      keep mode, owner, group and times\n  -L      follow symbolic links in the tree\n"
     "  -a      -R -p"},
    {"df", cmd_df, always, "[-hiT] [FILE]...",
     "Show the space (or with -i the inodes) used and free in the image's file system, as df(1).\n"
     "  -h  sizes in powers of 1024 (K, M, G)\n  -i  inodes instead of blocks\n"
     "  -T  show the file system type"},
    {"diff", cmd_diff, always, "[-q] [-u|-c] [-r] FILE1 FILE2",
     "Compare two files (or with -r two directories) of the image, as diff(1).\n"
     "  -q  only say whether they differ\n  -u  unified format (3 lines of context)\n"
     "  -c  context format (3 lines of context)\n"
     "  -r  compare directories recursively\nExit status 0: same, 1: different, 2: trouble."},
    {"du", cmd_du, always, "[-asch] [-b] [-d N] [FILE]...",
     "Show the disk usage of FILEs and what is below them, in 1024-byte blocks, as du(1).\n"
     "  -a  every file, not only directories\n  -s  only a total for each argument\n"
     "  -c  a grand total\n  -h  sizes in powers of 1024\n  -b  apparent sizes in bytes\n"
     "  -d N, --max-depth=N  print directories at most N levels below an argument"},
    {"ecp", cmd_ecp, ecp_reads, "[-g] [-RpLa] SOURCE... DEST",
     "Copy between the host and the image with cp(1)'s rules: from host SOURCEs into the image,\n"
     "or with -g from image SOURCEs to the host (fsu_put and fsu_get are its two directions).\n"
     "  -g      get: copy from the image to the host\n"
     "  -R, -r  copy directories recursively, symbolic links and special files as they are\n"
     "  -p      keep mode, owner, group and times\n  -L      follow symbolic links in the tree\n"
     "  -a      -R -p"},
    {"exec", cmd_exec, nullptr, "COMMAND [ARG]... FILE",
     "Run a host COMMAND on FILE of the image: FILE is copied to a private host file, COMMAND\n"
     "runs with that file's name as its last argument, and if it exits with status 0 the file\n"
     "is copied back into the image (made if it did not exist). The exit status is COMMAND's.\n"
     "Example: fsu_exec disk.img vi /etc/motd"},
    {"find", cmd_find, always, "[PATH]... [EXPRESSION]",
     "Walk the image's tree below PATHs (default '.') and print what matches, as find(1).\n"
     "Tests: -name PAT, -iname PAT, -path PAT, -type [bcdpfls], -size [+-]N[ckMG], -empty,\n"
     "-newer FILE (-anewer, -cnewer), -mtime/-atime/-ctime [+-]DAYS, -mmin/-amin/-cmin\n"
     "[+-]MINUTES, -perm [-/]MODE, -user ID, -group ID, -links N, -true, -false.\n"
     "Actions: -print, -print0, -ls, -prune, -exec COMMAND {} ; and -exec COMMAND {} +\n"
     "(COMMAND runs on the host with a private copy of each regular file in place of {};\n"
     "other files are named by their path in the image). Options: -maxdepth N, -mindepth N.\n"
     "Operators: ( EXPR ), ! EXPR, -not, EXPR -a EXPR, EXPR -o EXPR."},
    {"get", cmd_get, always, "[-RpLa] IMAGE-PATH... HOST-PATH",
     "Copy files from the image to the host, with cp(1)'s rules.\n"
     "  -R, -r  copy directories recursively, symbolic links and special files as they are\n"
     "  -p      keep mode, owner, group and times\n  -L      follow symbolic links in the tree\n"
     "  -a      -R -p"},
    {"ln", cmd_ln, nullptr, "[-sfv] TARGET... [LINK_NAME|DIRECTORY]",
     "Make links in the image, as ln(1).\n  -s  symbolic links instead of hard links\n"
     "  -f  remove existing destination files\n  -v  tell about every link"},
    {"ls", cmd_ls, always, "[-laAdiRhn1CtSrf] [FILE]...",
     "List the image's files and directories, as ls(1) in the C locale (sorted by name).\n"
     "  -l  long format       -a  also names starting with '.', with . and ..\n"
     "  -A  as -a without . and ..   -d  directories themselves, not their contents\n"
     "  -i  inode numbers     -R  subdirectories recursively\n"
     "  -h  sizes in powers of 1024 (with -l)   -n  numeric owner and group (implies -l)\n"
     "  -1  one name a line   -C  columns (the default on a terminal)\n"
     "  -t  newest first      -S  largest first    -r  reverse order   -f  unsorted, all"},
    {"mkdir", cmd_mkdir, nullptr, "[-pv] [-m MODE] DIRECTORY...",
     "Make directories in the image.\n  -p  make parents as needed, no error if it exists\n"
     "  -m  the new directories' mode (octal or symbolic)\n  -v  tell about every directory"},
    {"mkfifo", cmd_mkfifo, nullptr, "[-m MODE] NAME...", "Make named pipes (FIFOs) in the image.\n"
     "  -m  their mode (default 0666 less the umask)"},
    {"mknod", cmd_mknod, nullptr, "[-m MODE] NAME TYPE [MAJOR MINOR]",
     "Make a device node or named pipe in the image: TYPE b (block), c or u (character) with\n"
     "MAJOR and MINOR, or p (FIFO).\n  -m  its mode (default 0666 less the umask)"},
    {"mv", cmd_mv, nullptr, "[-fvT] SOURCE... DEST",
     "Rename files inside the image, or move them into directory DEST, as mv(1).\n"
     "  -T  DEST is a name, even if it is a directory\n  -v  tell about every file"},
    {"put", cmd_put, nullptr, "[-RpLa] HOST-PATH... IMAGE-PATH",
     "Copy files from the host into the image, with cp(1)'s rules.\n"
     "  -R, -r  copy directories recursively, symbolic links and special files as they are\n"
     "  -p      keep mode, owner, group and times\n  -L      follow symbolic links in the tree\n"
     "  -a      -R -p"},
    {"rm", cmd_rm, nullptr, "[-rRfdv] FILE...",
     "Remove files from the image.\n  -r, -R  directories and everything below them\n"
     "  -f      no error for missing files\n  -d      empty directories too\n"
     "  -v      tell about every file"},
    {"rmdir", cmd_rmdir, nullptr, "[-p] DIRECTORY...",
     "Remove empty directories from the image.\n  -p  then their parents named in the path"},
    {"stat", cmd_stat, always, "[-L] [-f] [-c FORMAT] FILE...",
     "Show the status of FILEs of the image, as stat(1).\n"
     "  -L  follow symbolic links\n  -f  the file system's status instead\n"
     "  -c FORMAT, --format=FORMAT  print FORMAT with %n %N %s %b %B %f %F %a %A %u %U %g %G\n"
     "      %i %h %d %D %t %T %o %x %X %y %Y %z %Z %w %W %% (a newline after each file)"},
    {"tar", cmd_tar, tar_reads, "-c|-x|-t [-vpzjJ] [-f ARCHIVE] [-C DIR] [PATH]...",
     "Make a tar archive (ustar with pax extensions) of PATHs of the image, or extract one into\n"
     "the image, or list one. ARCHIVE is a host file, '-' (the default) standard input/output.\n"
     "  -c  create from PATHs (default '.')   -x  extract into the image   -t  list\n"
     "  -f  the archive on the host   -C  extract into (or archive from) DIR of the image\n"
     "  -v  name each file (on stderr when the archive is standard output)\n"
     "  -p  on extracting, keep owners (modes and times are always kept)\n"
     "  -z, -j, -J, --zstd  through gzip, bzip2, xz or zstd (the host's programs); reading a\n"
     "      file, the compression is found from its first bytes"},
    {"touch", cmd_touch, nullptr, "[-acmh] [-d DATE] [-t STAMP] [-r FILE] FILE...",
     "Set the access and modification times of FILEs to now, making them if missing.\n"
     "  -a, -m  only the access / modification time   -c  do not create files\n"
     "  -d DATE  '@SECONDS' or 'YYYY-MM-DD[ HH:MM[:SS[.frac]]]' (local time)\n"
     "  -t STAMP [[CC]YY]MMDDhhmm[.ss]   -r FILE  FILE's times   -h  the link itself"},
    {"write", cmd_write, nullptr, "[-a] FILE",
     "Write standard input to FILE of the image (made if missing, emptied first).\n"
     "  -a  append instead"},
};

}  // namespace

int Context::fail(const std::string& what, int err) const { return fail(what, std::strerror(err)); }

int Context::fail(const std::string& what, const std::string& why) const {
  std::fflush(out);
  if (why.empty()) {
    std::fprintf(err, "%s: %s\n", prog.c_str(), what.c_str());
  } else {
    std::fprintf(err, "%s: %s: %s\n", prog.c_str(), what.c_str(), why.c_str());
  }
  std::fflush(err);
  return 1;
}

const std::vector<Command>& commands() { return kCommands; }

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void print_help(const Context& ctx, const Command& c) {
  std::fprintf(ctx.out,
               "Usage: fsu_%s [-t TYPE] [-o OPTIONS] [--sync] IMAGE[:N] %s\n%s\n\n"
               "IMAGE is a disk image file (IMAGE:N its partition N, MBR or GPT). The file system is\n"
               "mounted in a rump kernel inside this program: no root, no mount. Paths are in the\n"
               "image; relative ones start at its root.\n"
               "  -t TYPE     file system type: ext2, ext3, ext4 (default: detected from the image)\n"
               "  -o OPTIONS  mount options: ro, rw, nosuid, nodev, noexec, or the driver's own\n"
               "  --sync      have the image on stable storage before exiting (fdatasync); without\n"
               "              it the changes are in the image file, and the host writes them to\n"
               "              its disk in its own time, as it does cp's\n"
               "  --help      this text\n"
               "See fsu_%s(1) and docs/FSUTILS.md.\n",
               c.name, c.synopsis, c.help, c.name);
}

}  // namespace fsu
