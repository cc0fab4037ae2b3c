// The buffer cache (vfs/buf/bufcache.h) on disks made from host files: reads and hits,
// delayed writes reaching the host only on sync, clustering of neighbouring dirty blocks into
// one transfer, the memory limit (clean blocks given back, dirty ones written back under
// pressure), read-ahead, forgotten blocks, write errors, a changed block size, teardown with
// dirty blocks, direct (streaming) reads and writes beside cached blocks, and many threads at
// once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "blk/host_image.h"
#include "kern/entry.h"
#include "kern/kernel.h"
#include "kern/kernel_fixture.h"
#include "kern/lwp.h"
#include "vfs/blk/blkdev.h"
#include "vfs/buf/bufcache.h"
#include "vfs/vfs.h"

namespace rk::vfs {
namespace {

using kern::Kernel;
using test::boot;
using test::in_kernel;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;
constexpr uint32_t kBlock = 4096;

// A disk over a host file, registered with the kernel's block devices.
Ref<BlockDevice> open_disk(Kernel& k, const std::string& path, bool read_only = false) {
  int fd = -1;
  int rv = k.hyp().ops().open(k.hyp().host(), path.c_str(),
                              read_only ? RUMPUSER_OPEN_RDONLY : RUMPUSER_OPEN_RDWR, &fd);
  EXPECT_EQ(rv, 0);
  uint64_t size = 0;
  int type = 0;
  EXPECT_EQ(k.hyp().ops().getfileinfo(k.hyp().host(), path.c_str(), &size, &type), 0);
  Result<Ref<BlockDevice>> d = Vfs::of(k).block_devices().add_disk(path.c_str(), fd, 0, size,
                                                                   read_only);
  EXPECT_TRUE(d.ok());
  return std::move(d).value();
}

std::vector<unsigned char> pattern(size_t len, unsigned seed) {
  std::vector<unsigned char> v(len);
  for (size_t i = 0; i < len; ++i) v[i] = static_cast<unsigned char>(i * 13 + seed * 101);
  return v;
}

class BufCacheTest : public testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(BufCacheTest, ReadsTheDiskAndHitsTheSecondTime) {
  auto k = boot();
  std::string img = dir_.file("a.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    BufCacheStats before = c.stats();
    {
      Result<BufRef> b = c.read(*d, 3, kBlock);
      ASSERT_TRUE(b.ok());
      EXPECT_EQ(b.value().size(), kBlock);
      EXPECT_EQ(b.value().blkno(), 3u);
      auto want = test::read_host(img, 3 * kBlock, kBlock);
      EXPECT_EQ(std::memcmp(b.value().data(), want.data(), kBlock), 0);
    }
    {
      Result<BufRef> b = c.read(*d, 3, kBlock);
      ASSERT_TRUE(b.ok());
    }
    BufCacheStats after = c.stats();
    EXPECT_EQ(after.misses - before.misses, 1u);
    EXPECT_EQ(after.hits - before.hits, 1u);
    // Past the end of the device, and sizes that are not block sizes.
    EXPECT_EQ(c.read(*d, kMiB / kBlock, kBlock).error(), Errno::kInval);
    EXPECT_EQ(c.read(*d, 0, 1000).error(), Errno::kInval);
    EXPECT_EQ(c.read(*d, 0, 128 * 1024).error(), Errno::kInval);
  });
}

TEST_F(BufCacheTest, DelayedWritesReachTheDiskOnSyncInOneTransfer) {
  auto k = boot();
  std::string img = dir_.file("w.img");
  ASSERT_TRUE(test::make_file(img, 4 * kMiB));
  auto old = test::read_host(img, 0, 64 * kBlock);
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    auto data = pattern(64 * kBlock, 7);
    for (uint32_t i = 0; i < 64; ++i) {
      Result<BufRef> b = c.get(*d, i, kBlock);
      ASSERT_TRUE(b.ok());
      std::memcpy(b.value().data(), &data[i * kBlock], kBlock);
      b.value().mark_dirty();
    }
    EXPECT_EQ(c.stats().dirty_bytes, 64u * kBlock);
    EXPECT_EQ(test::read_host(img, 0, 64 * kBlock), old);  // not written yet
    uint64_t writes = c.stats().writes;
    ASSERT_TRUE(c.sync(*d).ok());
    EXPECT_EQ(c.stats().writes - writes, 1u);  // 64 neighbours, one transfer
    EXPECT_EQ(c.stats().dirty_bytes, 0u);
    EXPECT_EQ(test::read_host(img, 0, 64 * kBlock), data);
  });
}

TEST_F(BufCacheTest, WriteNowAndForget) {
  auto k = boot();
  std::string img = dir_.file("f.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  auto old = test::read_host(img, 5 * kBlock, kBlock);
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    {
      BufRef b = std::move(c.read(*d, 2, kBlock)).value();
      std::memset(b.data(), 0xab, kBlock);
      b.mark_dirty();
      ASSERT_TRUE(b.write_now().ok());
    }
    EXPECT_EQ(test::read_host(img, 2 * kBlock, kBlock), std::vector<unsigned char>(kBlock, 0xab));
    {
      BufRef b = std::move(c.read(*d, 5, kBlock)).value();
      std::memset(b.data(), 0xcd, kBlock);
      b.mark_dirty();
      b.forget();  // the file system freed the block: its contents never reach the disk
    }
    ASSERT_TRUE(c.sync(*d).ok());
    EXPECT_EQ(test::read_host(img, 5 * kBlock, kBlock), old);
    // And the next reader sees the disk again.
    BufRef b = std::move(c.read(*d, 5, kBlock)).value();
    EXPECT_EQ(std::memcmp(b.data(), old.data(), kBlock), 0);
  });
}

TEST_F(BufCacheTest, StaysWithinTheMemoryLimit) {
  auto k = boot(2, 8 * kMiB);  // the cache may hold half: 4 MiB
  std::string img = dir_.file("big.img");
  ASSERT_TRUE(test::make_file(img, 32 * kMiB));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    EXPECT_EQ(c.stats().limit, 4 * kMiB);
    // Read all of it twice: every block right, the cache never above its share.
    for (int round = 0; round < 2; ++round) {
      for (uint64_t i = 0; i < 32 * kMiB / kBlock; i += 1) {
        Result<BufRef> b = c.read(*d, i, kBlock);
        ASSERT_TRUE(b.ok()) << i;
        if (i % 97 == 0) {
          auto want = test::read_host(img, i * kBlock, kBlock);
          ASSERT_EQ(std::memcmp(b.value().data(), want.data(), kBlock), 0) << i;
        }
        ASSERT_LE(c.stats().bytes, 4 * kMiB + 64 * kBlock);
      }
    }
    EXPECT_LE(k->kmem().used(), 8 * kMiB);
  });
}

TEST_F(BufCacheTest, DirtyDataOverTheLimitIsWrittenBack) {
  auto k = boot(2, 8 * kMiB);
  std::string img = dir_.file("dirty.img");
  ASSERT_TRUE(test::make_file(img, 24 * kMiB));
  auto data = pattern(24 * kMiB, 3);
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    for (uint64_t i = 0; i < 24 * kMiB / kBlock; ++i) {
      Result<BufRef> b = c.get(*d, i, kBlock);
      ASSERT_TRUE(b.ok()) << i;
      std::memcpy(b.value().data(), &data[i * kBlock], kBlock);
      b.value().mark_dirty();
      b.value().release();
      ASSERT_LE(c.stats().dirty_bytes, 4 * kMiB) << i;
    }
    ASSERT_TRUE(c.sync(*d).ok());
  });
  EXPECT_EQ(test::read_host(img, 0, 24 * kMiB), data);
}

TEST_F(BufCacheTest, ReadAheadFillsTheCacheAsynchronously) {
  auto k = boot();
  std::string img = dir_.file("ra.img");
  ASSERT_TRUE(test::make_file(img, 4 * kMiB, 9));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    c.read_ahead(*d, 100, kBlock, 64);
    BufCacheStats before = c.stats();
    for (uint32_t i = 100; i < 164; ++i) {
      Result<BufRef> b = c.read(*d, i, kBlock);
      ASSERT_TRUE(b.ok());
      auto want = test::read_host(img, size_t{i} * kBlock, kBlock);
      ASSERT_EQ(std::memcmp(b.value().data(), want.data(), kBlock), 0) << i;
    }
    BufCacheStats after = c.stats();
    EXPECT_EQ(after.hits - before.hits, 64u);
    EXPECT_EQ(after.misses, before.misses);
    // Read-ahead past the end stops quietly.
    c.read_ahead(*d, 4 * kMiB / kBlock - 2, kBlock, 10);
  });
}

TEST_F(BufCacheTest, FailedWriteBackIsReportedAndKept) {
  auto k = boot();
  std::string img = dir_.file("ro.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img, true);  // a read-only disk refuses writes
    BufCache& c = BufCache::of(*k);
    {
      BufRef b = std::move(c.read(*d, 1, kBlock)).value();
      b.data()[0] ^= 1;
      b.mark_dirty();
    }
    EXPECT_EQ(c.sync(*d).error(), Errno::kIo);
    EXPECT_EQ(c.stats().dirty_bytes, kBlock);  // still dirty: nothing was lost silently
    EXPECT_EQ(c.sync(*d).error(), Errno::kIo);  // and a later sync tries again
    c.invalidate(*d);
    EXPECT_EQ(c.stats().dirty_bytes, 0u);
  });
}

TEST_F(BufCacheTest, AnotherBlockSizeAtTheSameOffset) {
  auto k = boot();
  std::string img = dir_.file("bs.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    {
      BufRef b = std::move(c.read(*d, 4, 1024)).value();  // bytes 4096..5119
      std::memset(b.data(), 0x11, 1024);
      b.mark_dirty();
    }
    // The same place as block 1 of 4 KiB: the small block is written back first.
    BufRef big = std::move(c.read(*d, 1, kBlock)).value();
    EXPECT_EQ(big.data()[0], 0x11);
    EXPECT_EQ(big.data()[1023], 0x11);
  });
  EXPECT_EQ(test::read_host(img, 4096, 1024), std::vector<unsigned char>(1024, 0x11));
}

TEST_F(BufCacheTest, KernelDestroyWritesDirtyBlocksBack) {
  std::string img = dir_.file("t.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  {
    auto k = boot();
    in_kernel(*k, [&](kern::Lwp&) {
      Ref<BlockDevice> d = open_disk(*k, img);
      BufRef b = std::move(BufCache::of(*k).get(*d, 7, kBlock)).value();
      std::memset(b.data(), 0x77, kBlock);
      b.mark_dirty();
      BufCache::of(*k).read_ahead(*d, 20, kBlock, 8);  // in flight at teardown, perhaps
    });
  }
  EXPECT_EQ(test::read_host(img, 7 * kBlock, kBlock), std::vector<unsigned char>(kBlock, 0x77));
}

// Pieces of a buffer as the caller's memory of a direct transfer (deliberately not one piece a
// block).
std::vector<kern::IoVec> pieces(std::vector<unsigned char>& buf, size_t piece) {
  std::vector<kern::IoVec> v;
  for (size_t at = 0; at < buf.size(); at += piece)
    v.push_back({buf.data() + at, std::min(piece, buf.size() - at)});
  return v;
}

TEST_F(BufCacheTest, DirectWriteReplacesCachedCopies) {
  auto k = boot();
  std::string img = dir_.file("dw.img");
  ASSERT_TRUE(test::make_file(img, 4 * kMiB, 5));
  auto data = pattern(16 * kBlock, 11);
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    // Block 5 cached and dirty with older contents, block 6 cached clean, 7 read ahead.
    {
      BufRef b = std::move(c.read(*d, 5, kBlock)).value();
      std::memset(b.data(), 0x55, kBlock);
      b.mark_dirty();
    }
    ASSERT_TRUE(c.read(*d, 6, kBlock).ok());
    c.read_ahead(*d, 7, kBlock, 1);
    BufCacheStats before = c.stats();
    auto iov = pieces(data, 3 * kBlock + 100);
    ASSERT_TRUE(c.write_direct(*d, 4, kBlock, 16, iov).ok());
    BufCacheStats after = c.stats();
    EXPECT_EQ(after.direct_writes - before.direct_writes, 1u);
    EXPECT_EQ(after.dirty_bytes, 0u);          // the older dirty copy is gone, not written
    EXPECT_EQ(after.blocks, before.blocks - 3);  // and so are the clean ones
    EXPECT_EQ(test::read_host(img, 4 * kBlock, 16 * kBlock), data);
    // Read through the cache again: the new contents, never the stale copy.
    for (uint32_t i = 4; i < 20; ++i) {
      BufRef b = std::move(c.read(*d, i, kBlock)).value();
      ASSERT_EQ(std::memcmp(b.data(), &data[(i - 4) * kBlock], kBlock), 0) << i;
    }
    ASSERT_TRUE(c.sync(*d).ok());
    EXPECT_EQ(test::read_host(img, 4 * kBlock, 16 * kBlock), data);
    // Bad arguments: past the end, a size that is not a block size, memory of another length.
    EXPECT_EQ(c.write_direct(*d, 4 * kMiB / kBlock - 1, kBlock, 2, iov).error(), Errno::kInval);
    EXPECT_EQ(c.write_direct(*d, 4, 1000, 16, iov).error(), Errno::kInval);
    EXPECT_EQ(c.write_direct(*d, 4, kBlock, 15, iov).error(), Errno::kInval);
  });
}

TEST_F(BufCacheTest, DirectReadStopsAtCachedBlocks) {
  auto k = boot();
  std::string img = dir_.file("dr.img");
  ASSERT_TRUE(test::make_file(img, 4 * kMiB, 3));
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    {
      // Dirty in the cache: newer than the disk, which a direct read must not return.
      BufRef b = std::move(c.read(*d, 10, kBlock)).value();
      std::memset(b.data(), 0xaa, kBlock);
      b.mark_dirty();
    }
    const uint64_t blocks = c.stats().blocks;
    std::vector<unsigned char> buf(8 * kBlock);
    auto iov = pieces(buf, 5000);
    Result<uint32_t> n = c.read_direct(*d, 8, kBlock, 8, iov);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.value(), 2u);  // 8 and 9; 10 is the cache's
    EXPECT_EQ(std::vector<unsigned char>(buf.begin(), buf.begin() + 2 * kBlock),
              test::read_host(img, 8 * kBlock, 2 * kBlock));
    EXPECT_EQ(c.read_direct(*d, 10, kBlock, 8, iov).value(), 0u);
    Result<uint32_t> m = c.read_direct(*d, 11, kBlock, 8, iov);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.value(), 8u);
    EXPECT_EQ(buf, test::read_host(img, 11 * kBlock, 8 * kBlock));
    EXPECT_EQ(c.stats().blocks, blocks);  // nothing read directly was cached
    EXPECT_EQ(c.read_direct(*d, 4 * kMiB / kBlock - 1, kBlock, 2, iov).error(), Errno::kInval);
  });
}

TEST_F(BufCacheTest, DirectTransfersKeepTheCacheWithinTheMemoryLimit) {
  auto k = boot(2, 8 * kMiB);
  std::string img = dir_.file("stream.img");
  ASSERT_TRUE(test::make_file(img, 64 * kMiB));
  auto data = pattern(kMiB, 4);
  std::vector<unsigned char> back(kMiB);
  in_kernel(*k, [&](kern::Lwp&) {
    Ref<BlockDevice> d = open_disk(*k, img);
    BufCache& c = BufCache::of(*k);
    const uint32_t per = kMiB / kBlock;
    for (uint32_t m = 0; m < 64; ++m) {
      data[0] = static_cast<unsigned char>(m);
      auto w = pieces(data, kMiB);
      ASSERT_TRUE(c.write_direct(*d, m * per, kBlock, per, w).ok()) << m;
    }
    for (uint32_t m = 0; m < 64; ++m) {
      auto r = pieces(back, kMiB);
      ASSERT_EQ(c.read_direct(*d, m * per, kBlock, per, r).value(), per) << m;
      data[0] = static_cast<unsigned char>(m);
      ASSERT_EQ(back, data) << m;
    }
    EXPECT_EQ(c.stats().bytes, 0u);
    EXPECT_LE(k->kmem().used(), 8 * kMiB);
  });
}

TEST_F(BufCacheTest, DirectWritesRaceWithCachedReaders) {
  // One thread overwrites blocks 0..15 directly, again and again, each time every byte with the
  // round's number; others read them through the cache (and dirty one now and then). A reader
  // must never see a block half old, half new, and at the end the cache and the disk agree.
  auto k = boot(2, 16 * kMiB);
  std::string img = dir_.file("race.img");
  ASSERT_TRUE(test::make_file(img, kMiB));
  constexpr uint32_t kBlocks = 16;
  std::atomic<int> torn{0};
  std::atomic<bool> done{false};
  RefPtr<BlockDevice> dev;
  in_kernel(*k, [&](kern::Lwp&) {
    dev = open_disk(*k, img);
    // Round 0: every byte 0 (the file starts with a pattern, which would look torn).
    std::vector<unsigned char> zero(kBlocks * kBlock, 0);
    auto iov = pieces(zero, kBlocks * kBlock);
    ASSERT_TRUE(BufCache::of(*k).write_direct(*dev, 0, kBlock, kBlocks, iov).ok());
  });
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    kern::KernelEntry e(*k);
    BufCache& c = BufCache::of(*k);
    std::vector<unsigned char> buf(kBlocks * kBlock);
    for (int round = 1; round <= 200; ++round) {
      std::memset(buf.data(), round, buf.size());
      auto iov = pieces(buf, 3 * kBlock);
      Result<void> w = c.write_direct(*dev, 0, kBlock, kBlocks, iov);
      EXPECT_TRUE(w.ok()) << static_cast<int>(w.error());
      if (!w.ok()) ++torn;
    }
    done = true;
  });
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      kern::KernelEntry e(*k);
      BufCache& c = BufCache::of(*k);
      for (uint32_t i = 0; !done; ++i) {
        Result<BufRef> b = c.read(*dev, (i * 7 + t) % kBlocks, kBlock);
        if (!b.ok()) {
          ADD_FAILURE() << "read: " << static_cast<int>(b.error());
          ++torn;
          continue;
        }
        const unsigned char* p = b.value().data();
        if (std::memcmp(p, p + 1, kBlock - 1) != 0) {
          ADD_FAILURE() << "torn block " << (i * 7 + t) % kBlocks << ": " << int{p[0]} << " "
                        << int{p[kBlock - 1]};
          ++torn;
        }
        if (i % 5 == 0) b.value().mark_dirty();  // unchanged, but a write-back to race with
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(torn.load(), 0);
  in_kernel(*k, [&](kern::Lwp&) {
    BufCache& c = BufCache::of(*k);
    ASSERT_TRUE(c.sync(*dev).ok());
    for (uint32_t i = 0; i < kBlocks; ++i) {
      BufRef b = std::move(c.read(*dev, i, kBlock)).value();
      auto disk = test::read_host(img, size_t{i} * kBlock, kBlock);
      EXPECT_EQ(std::memcmp(b.data(), disk.data(), kBlock), 0) << i;
      EXPECT_EQ(b.data()[0], 200) << i;
    }
    dev.reset();
  });
}

TEST_F(BufCacheTest, ManyThreadsShareBlocks) {
  auto k = boot(2, 16 * kMiB);
  std::string img = dir_.file("mt.img");
  ASSERT_TRUE(test::make_file(img, 8 * kMiB));
  constexpr int kThreads = 6;
  constexpr uint32_t kBlocks = 8 * kMiB / kBlock;
  std::atomic<int> failures{0};
  RefPtr<BlockDevice> dev;
  in_kernel(*k, [&](kern::Lwp&) { dev = open_disk(*k, img); });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      kern::KernelEntry e(*k);
      BufCache& c = BufCache::of(*k);
      unsigned x = 12345u + static_cast<unsigned>(t);
      for (int i = 0; i < 3000; ++i) {
        x = x * 1103515245u + 12345u;
        // Each thread owns the counter in block (t) of every 64; everyone reads everything.
        uint32_t blk = (x >> 8) % kBlocks;
        if (i % 3 == 0) {
          uint32_t mine = (blk / 64) * 64 + static_cast<uint32_t>(t);
          Result<BufRef> b = c.read(*dev, mine, kBlock);
          if (!b.ok()) {
            ++failures;
            continue;
          }
          uint32_t v;
          std::memcpy(&v, b.value().data(), 4);
          ++v;
          std::memcpy(b.value().data(), &v, 4);
          b.value().mark_dirty();
        } else {
          if (!c.read(*dev, blk, kBlock).ok()) ++failures;
        }
        if (i % 500 == 0) (void)c.sync(*dev);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  in_kernel(*k, [&](kern::Lwp&) {
    EXPECT_TRUE(BufCache::of(*k).sync(*dev).ok());
    dev.reset();
  });
}

}  // namespace
}  // namespace rk::vfs
