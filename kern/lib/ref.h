// Shared ownership of kernel objects through an intrusive, atomic reference count.
//
//   class File : public RefCounted<File> { void release_last(); ... };
//   Ref<File> f = ...;     // never null
//   RefPtr<File> g;        // may be null
//
// When the last reference goes, T::release_last() runs; it frees the object the way it was
// allocated (kernel objects live in their kernel's Kmem).
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace rk {

[[noreturn]] void ref_underflow();

template <typename T>
class RefCounted {
 public:
  void ref() const { count_.fetch_add(1, std::memory_order_relaxed); }
  void unref() const {
    uint32_t old = count_.fetch_sub(1, std::memory_order_acq_rel);
    if (old == 1) const_cast<T*>(static_cast<const T*>(this))->release_last();
    else if (old == 0) ref_underflow();
  }
  uint32_t ref_count() const { return count_.load(std::memory_order_relaxed); }
  // A reference, unless the last one is already gone (the object found by a lock-free reader
  // may be on its way out: kern/epoch.h keeps its memory, not its life).
  bool try_ref() const {
    uint32_t c = count_.load(std::memory_order_relaxed);
    while (c != 0) {
      if (count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return true;
    }
    return false;
  }

 protected:
  RefCounted() = default;
  ~RefCounted() = default;

 private:
  mutable std::atomic<uint32_t> count_{1};  // the creator's reference
};

template <typename T>
class RefPtr;

// A counted reference that is never null.
template <typename T>
class Ref {
 public:
  // Adopts the creator's reference of a freshly created object.
  static Ref adopt(T& obj) { return Ref(obj, kAdopt); }
  explicit Ref(T& obj) : ptr_(&obj) { ptr_->ref(); }
  Ref(const Ref& o) : ptr_(o.ptr_) { ptr_->ref(); }
  Ref(Ref&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)) {}
  Ref& operator=(Ref o) {
    std::swap(ptr_, o.ptr_);
    return *this;
  }
  ~Ref() {
    if (ptr_ != nullptr) ptr_->unref();
  }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  T* get() const { return ptr_; }

 private:
  friend class RefPtr<T>;
  enum AdoptTag { kAdopt };
  Ref(T& obj, AdoptTag) : ptr_(&obj) {}
  T* ptr_;  // null only after being moved from
};

// A counted reference that may be null.
template <typename T>
class RefPtr {
 public:
  RefPtr() = default;
  RefPtr(decltype(nullptr)) {}  // NOLINT
  explicit RefPtr(T* obj) : ptr_(obj) {
    if (ptr_ != nullptr) ptr_->ref();
  }
  RefPtr(const Ref<T>& r) : ptr_(r.ptr_) { ptr_->ref(); }  // NOLINT
  RefPtr(Ref<T>&& r) : ptr_(std::exchange(r.ptr_, nullptr)) {}  // NOLINT
  RefPtr(const RefPtr& o) : ptr_(o.ptr_) {
    if (ptr_ != nullptr) ptr_->ref();
  }
  RefPtr(RefPtr&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)) {}
  RefPtr& operator=(RefPtr o) {
    std::swap(ptr_, o.ptr_);
    return *this;
  }
  ~RefPtr() { reset(); }
  void reset() {
    if (ptr_ != nullptr) std::exchange(ptr_, nullptr)->unref();
  }
  // Gives up the reference without dropping it.
  T* leak() { return std::exchange(ptr_, nullptr); }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  T* get() const { return ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }

 private:
  T* ptr_ = nullptr;
};

}  // namespace rk
