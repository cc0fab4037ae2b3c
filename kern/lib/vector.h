// A growable array in kernel memory. Growth can fail (ENOMEM) and says so: no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "kern/kmem.h"
#include "kern/lib/result.h"

namespace rk::kern {

template <typename T>
class Vector {
 public:
  explicit Vector(Kmem& kmem) : kmem_(&kmem) {}
  Vector(const Vector&) = delete;
  Vector& operator=(const Vector&) = delete;
  Vector(Vector&& o) noexcept
      : kmem_(o.kmem_), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  ~Vector() {
    clear();
    if (data_ != nullptr) kmem_->free(data_, capacity_ * sizeof(T));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::span<T> span() { return {data_, size_}; }
  std::span<const T> span() const { return {data_, size_}; }

  Result<void> reserve(size_t n) {
    if (n <= capacity_) return ok();
    if (n > SIZE_MAX / sizeof(T)) return Errno::kNoMem;
    auto* p = static_cast<T*>(kmem_->alloc(n * sizeof(T), KmFlags::kNoSleep, alignof(T)));
    if (p == nullptr) return Errno::kNoMem;
    for (size_t i = 0; i < size_; ++i) {
      new (&p[i]) T(std::move(data_[i]));
      data_[i].~T();
    }
    if (data_ != nullptr) kmem_->free(data_, capacity_ * sizeof(T));
    data_ = p;
    capacity_ = n;
    return ok();
  }
  template <typename... Args>
  Result<void> emplace_back(Args&&... args) {
    if (size_ == capacity_) RK_TRY(reserve(capacity_ == 0 ? 4 : capacity_ * 2));
    new (&data_[size_]) T(std::forward<Args>(args)...);
    ++size_;
    return ok();
  }
  Result<void> push_back(T v) { return emplace_back(std::move(v)); }
  // Grows or shrinks to n elements, new ones value-initialised.
  Result<void> resize(size_t n) {
    RK_TRY(reserve(n));
    while (size_ > n) data_[--size_].~T();
    while (size_ < n) new (&data_[size_++]) T();
    return ok();
  }
  void pop_back() { data_[--size_].~T(); }
  void clear() {
    while (size_ > 0) data_[--size_].~T();
  }

 private:
  Kmem* kmem_;  // the kernel's allocator; outlives the vector
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace rk::kern
