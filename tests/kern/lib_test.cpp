// The kernel's small library: Result and RK_TRY, Ref/RefPtr, IntrusiveList, Vector,
// FixedString and str_copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lib/vector.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using test::boot;
using test::in_kernel;

// --- Result ----------------------------------------------------------------------------------

Result<int> half(int v) {
  if (v % 2 != 0) return Errno::kInval;
  return v / 2;
}

Result<int> quarter(int v) {
  int h = RK_TRY(half(v));
  int q = RK_TRY(half(h));
  return q;
}

Result<void> check_positive(int v) {
  if (v <= 0) return Errno::kRange;
  return ok();
}

Result<int> positive_quarter(int v) {
  RK_TRY(check_positive(v));
  return quarter(v);
}

TEST(Result, HoldsValueOrError) {
  Result<int> a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value(), 4);
  EXPECT_EQ(*a, 4);
  Result<int> b = half(7);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.error(), Errno::kInval);
  Result<void> v = ok();
  EXPECT_TRUE(v.ok());
  Result<void> e = Errno::kNoMem;
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error(), Errno::kNoMem);
}

TEST(Result, TryPropagatesTheFirstError) {
  EXPECT_EQ(quarter(8).value(), 2);
  EXPECT_EQ(quarter(6).error(), Errno::kInval);  // 6 -> 3 -> odd
  EXPECT_EQ(quarter(5).error(), Errno::kInval);
  EXPECT_EQ(positive_quarter(-4).error(), Errno::kRange);
  EXPECT_EQ(positive_quarter(16).value(), 4);
}

struct Tracked {
  static inline int live = 0;
  static inline int moves = 0;
  int v;
  explicit Tracked(int x) : v(x) { ++live; }
  Tracked(const Tracked& o) : v(o.v) { ++live; }
  Tracked(Tracked&& o) noexcept : v(o.v) {
    ++live;
    ++moves;
  }
  ~Tracked() { --live; }
};

Result<Tracked> make_tracked(int v) {
  if (v < 0) return Errno::kInval;
  return Tracked(v);
}

Result<Tracked> pass_tracked(int v) {
  Tracked t = RK_TRY(make_tracked(v));
  t.v += 1;
  return t;
}

TEST(Result, ValuesAreDestroyedAndErrorsHoldNone) {
  Tracked::live = 0;
  {
    Result<Tracked> r = pass_tracked(1);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->v, 2);
    EXPECT_EQ(Tracked::live, 1);
    Result<Tracked> moved(std::move(r));
    EXPECT_EQ(moved->v, 2);
    Result<Tracked> err = pass_tracked(-1);
    EXPECT_EQ(err.error(), Errno::kInval);
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(Result, ErrnoValuesAreLinuxs) {
  EXPECT_EQ(to_int(Errno::kNoEnt), 2);
  EXPECT_EQ(to_int(Errno::kNoMem), 12);
  EXPECT_EQ(to_int(Errno::kInval), 22);
  EXPECT_EQ(to_int(Errno::kMFile), 24);
  EXPECT_EQ(to_int(Errno::kNoSys), 38);
  EXPECT_EQ(to_int(Errno::kTimedOut), 110);
  EXPECT_STREQ(errno_name(Errno::kNoEnt), "ENOENT");
  EXPECT_STREQ(errno_name(Errno::kMFile), "EMFILE");
  EXPECT_STREQ(errno_name(static_cast<Errno>(9999)), "E?");
}

// --- Ref / RefPtr ----------------------------------------------------------------------------

struct Counted : RefCounted<Counted> {
  int* released;
  explicit Counted(int* r) : released(r) {}
  void release_last() {
    ++*released;
    delete this;
  }
};

TEST(Ref, CountsAndReleasesOnce) {
  int released = 0;
  {
    Ref<Counted> a = Ref<Counted>::adopt(*new Counted(&released));
    EXPECT_EQ(a->ref_count(), 1u);
    {
      Ref<Counted> b = a;
      EXPECT_EQ(a->ref_count(), 2u);
      Ref<Counted> c(*a);
      EXPECT_EQ(a->ref_count(), 3u);
      Ref<Counted> d = std::move(c);
      EXPECT_EQ(a->ref_count(), 3u);
      EXPECT_EQ(d.get(), a.get());
    }
    EXPECT_EQ(a->ref_count(), 1u);
    EXPECT_EQ(released, 0);
  }
  EXPECT_EQ(released, 1);
}

TEST(RefPtr, NullableAndConvertsFromRef) {
  int released = 0;
  RefPtr<Counted> p;
  EXPECT_FALSE(p);
  EXPECT_EQ(p.get(), nullptr);
  {
    Ref<Counted> r = Ref<Counted>::adopt(*new Counted(&released));
    p = r;
    EXPECT_TRUE(p);
    EXPECT_EQ(r->ref_count(), 2u);
    RefPtr<Counted> q = std::move(r);  // takes r's reference
    EXPECT_EQ(q->ref_count(), 2u);
    RefPtr<Counted> s(q.get());
    EXPECT_EQ(q->ref_count(), 3u);
    s = nullptr;
    EXPECT_EQ(q->ref_count(), 2u);
    q.reset();
    EXPECT_FALSE(q);
  }
  EXPECT_EQ(p->ref_count(), 1u);
  Counted* raw = p.leak();
  EXPECT_FALSE(p);
  EXPECT_EQ(released, 0);
  raw->unref();
  EXPECT_EQ(released, 1);
  RefPtr<Counted> null_raw(static_cast<Counted*>(nullptr));
  EXPECT_FALSE(null_raw);
}

TEST(RefPtr, SelfAssignmentKeepsTheObject) {
  int released = 0;
  RefPtr<Counted> p(Ref<Counted>::adopt(*new Counted(&released)));
  RefPtr<Counted>& alias = p;
  p = alias;
  EXPECT_EQ(p->ref_count(), 1u);
  EXPECT_EQ(released, 0);
  p.reset();
  EXPECT_EQ(released, 1);
}

// --- IntrusiveList ---------------------------------------------------------------------------

struct Item {
  int v;
  ListNode<Item> node;
  ListNode<Item> other;
};
using ItemList = IntrusiveList<Item, &Item::node>;

std::vector<int> values(ItemList& l) {
  std::vector<int> out;
  for (Item& i : l) out.push_back(i.v);
  return out;
}

TEST(IntrusiveList, PushPopInsertRemove) {
  Item items[6] = {{0, {}, {}}, {1, {}, {}}, {2, {}, {}}, {3, {}, {}}, {4, {}, {}}, {5, {}, {}}};
  ItemList l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.front(), nullptr);
  EXPECT_EQ(l.back(), nullptr);
  EXPECT_EQ(l.pop_front(), nullptr);
  l.push_back(items[1]);
  l.push_back(items[2]);
  l.push_front(items[0]);
  l.insert_before(items[2], items[3]);
  EXPECT_EQ(values(l), (std::vector<int>{0, 1, 3, 2}));
  EXPECT_EQ(l.size(), 4u);
  EXPECT_EQ(l.front(), &items[0]);
  EXPECT_EQ(l.back(), &items[2]);
  EXPECT_EQ(l.next(items[1]), &items[3]);
  EXPECT_EQ(l.next(items[2]), nullptr);
  EXPECT_TRUE(items[3].node.linked());
  l.remove(items[3]);
  EXPECT_FALSE(items[3].node.linked());
  EXPECT_EQ(values(l), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(l.pop_front(), &items[0]);
  EXPECT_EQ(values(l), (std::vector<int>{1, 2}));
  l.remove(items[2]);
  l.remove(items[1]);
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.size(), 0u);
}

TEST(IntrusiveList, AnElementCanBeOnTwoListsThroughTwoNodes) {
  Item a{1, {}, {}}, b{2, {}, {}};
  ItemList first;
  IntrusiveList<Item, &Item::other> second;
  first.push_back(a);
  first.push_back(b);
  second.push_back(b);
  second.push_back(a);
  EXPECT_EQ(first.front(), &a);
  EXPECT_EQ(second.front(), &b);
  first.remove(a);
  EXPECT_EQ(second.back(), &a);
  EXPECT_TRUE(a.other.linked());
  second.remove(a);
  second.remove(b);
  first.remove(b);
}

TEST(IntrusiveList, RemoveWhileWalkingWithNext) {
  std::vector<Item> items(100);
  ItemList l;
  for (int i = 0; i < 100; ++i) {
    items[i].v = i;
    l.push_back(items[i]);
  }
  for (Item* i = l.front(); i != nullptr;) {
    Item* n = l.next(*i);
    if (i->v % 2 == 1) l.remove(*i);
    i = n;
  }
  EXPECT_EQ(l.size(), 50u);
  int expect = 0;
  for (Item& i : l) {
    EXPECT_EQ(i.v, expect);
    expect += 2;
  }
  while (l.pop_front() != nullptr) {
  }
}

// --- FixedString, str_copy -------------------------------------------------------------------

TEST(FixedString, AssignsOnlyWhatFits) {
  FixedString<8> s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_STREQ(s.c_str(), "");
  EXPECT_EQ(FixedString<8>::capacity(), 7u);
  EXPECT_TRUE(s.assign("1234567"));
  EXPECT_EQ(s.view(), "1234567");
  EXPECT_FALSE(s.assign("12345678"));
  EXPECT_EQ(s.view(), "1234567") << "a failed assign leaves the string unchanged";
  EXPECT_TRUE(s.assign(""));
  EXPECT_STREQ(s.c_str(), "");
}

TEST(StrCopy, TruncatesLikeStrlcpy) {
  char buf[6];
  EXPECT_EQ(str_copy(buf, "hello world", sizeof buf), 11u);
  EXPECT_STREQ(buf, "hello");
  EXPECT_EQ(str_copy(buf, "hi", sizeof buf), 2u);
  EXPECT_STREQ(buf, "hi");
  buf[0] = 'Z';
  EXPECT_EQ(str_copy(buf, "abc", 0), 3u);
  EXPECT_EQ(buf[0], 'Z');
}

// --- Vector ----------------------------------------------------------------------------------

TEST(Vector, GrowsTo100kElements) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    uint64_t before = k->kmem().used();
    {
      Vector<uint64_t> v(k->kmem());
      EXPECT_TRUE(v.empty());
      for (uint64_t i = 0; i < 100000; ++i) ASSERT_TRUE(v.push_back(i * 3).ok());
      ASSERT_EQ(v.size(), 100000u);
      for (uint64_t i = 0; i < 100000; ++i) ASSERT_EQ(v[i], i * 3);
      uint64_t sum = 0;
      for (uint64_t x : v) sum += x;
      EXPECT_EQ(sum, 3ull * 100000 * 99999 / 2);
      EXPECT_EQ(v.span().size(), 100000u);
      EXPECT_GE(k->kmem().used(), before + 100000 * sizeof(uint64_t));
      v.pop_back();
      EXPECT_EQ(v.size(), 99999u);
      ASSERT_TRUE(v.resize(10).ok());
      EXPECT_EQ(v.size(), 10u);
      EXPECT_EQ(v[9], 27u);
      ASSERT_TRUE(v.resize(20).ok());
      EXPECT_EQ(v[19], 0u) << "new elements are value-initialised";
    }
    EXPECT_EQ(k->kmem().used(), before) << "the vector returned all its memory";
  });
}

TEST(Vector, ConstructsMovesAndDestroysElements) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    Tracked::live = 0;
    {
      Vector<Tracked> v(k->kmem());
      for (int i = 0; i < 1000; ++i) ASSERT_TRUE(v.emplace_back(i).ok());
      EXPECT_EQ(Tracked::live, 1000) << "growth moves and destroys the old copies";
      for (int i = 0; i < 1000; ++i) ASSERT_EQ(v[i].v, i);
      Vector<Tracked> w(std::move(v));
      EXPECT_EQ(v.size(), 0u);
      EXPECT_EQ(w.size(), 1000u);
      EXPECT_EQ(Tracked::live, 1000);
      w.clear();
      EXPECT_EQ(Tracked::live, 0);
      ASSERT_TRUE(w.push_back(Tracked(5)).ok());
      EXPECT_EQ(Tracked::live, 1);
    }
    EXPECT_EQ(Tracked::live, 0);
  });
}

TEST(Vector, RunsOutOfMemoryWithENOMEM) {
  auto k = boot(1, 1 << 20);  // 1 MiB
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    uint64_t before = k->kmem().used();
    {
      Vector<uint64_t> v(k->kmem());
      Result<void> r = ok();
      size_t n = 0;
      while ((r = v.push_back(n)).ok()) {
        ++n;
        ASSERT_LT(n, 1000000u) << "a 1 MiB kernel held more than 8 MB";
      }
      EXPECT_EQ(r.error(), Errno::kNoMem);
      EXPECT_GT(n, 1000u);
      EXPECT_LE(k->kmem().used(), k->kmem().limit());
      // The failed growth left the vector as it was.
      ASSERT_EQ(v.size(), n);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], i);
      EXPECT_EQ(v.reserve(1u << 30).error(), Errno::kNoMem);
      EXPECT_EQ(v.resize(1u << 30).error(), Errno::kNoMem);
      EXPECT_EQ(v.size(), n);
      EXPECT_GT(k->kmem().failures(), 0u);
    }
    EXPECT_EQ(k->kmem().used(), before);
  });
}

// A capacity whose byte size does not fit in size_t must fail, not wrap around to a small
// allocation that the vector then believes is huge.
TEST(Vector, ReserveOfAnUnrepresentableSizeFails) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    uint64_t before = k->kmem().used();
    {
      Vector<uint64_t> v(k->kmem());
      // (2^61 + 1) * 8 bytes = 2^64 + 8: wraps to 8.
      size_t n = SIZE_MAX / sizeof(uint64_t) + 2;
      Result<void> r = v.reserve(n);
      EXPECT_FALSE(r.ok()) << "reserve(" << n << ") of 8-byte elements succeeded";
      if (!r.ok()) {
        EXPECT_EQ(r.error(), Errno::kNoMem);
      }
      EXPECT_LT(k->kmem().used() - before, 1024u);
      // Never touch the elements: if reserve wrongly succeeded, they are not there.
    }
    EXPECT_EQ(k->kmem().used(), before);
  });
}

}  // namespace
}  // namespace rk::kern
