# The in-memory file system behind rumpfs and tmpfs (paths relative to vfs/).
set(MEMFS_SOURCES
  memfs/account.cpp
  memfs/pages.cpp
  memfs/dirent.cpp
  memfs/node.cpp
  memfs/dir.cpp
  memfs/rename.cpp
  memfs/file.cpp
  memfs/fs.cpp
  memfs/options.cpp
  memfs/xattr.cpp
)
