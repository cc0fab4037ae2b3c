# fuzz_ext2: damaged ext2 images mounted, walked, read and written (fs/ext2).
rk_fuzz(fuzz_ext2 fuzz_ext2.cpp)
target_link_libraries(fuzz_ext2 PRIVATE rumpvfs rumpfs_ext2)
target_link_options(fuzz_ext2 PRIVATE "LINKER:--no-as-needed")
