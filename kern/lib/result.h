// Result<T>: a value or an Errno. Kernel code reports every failure this way (no exceptions).
//
//   Result<Ref<Proc>> p = procs.lookup(pid);
//   if (!p.ok()) return p.error();
//   auto fd = RK_TRY(table.alloc(file));   // returns the error to the caller
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "kern/lib/errno.h"

namespace rk {

[[noreturn]] void result_value_of_error(Errno e);  // a bug: value() of an error

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : err_(0) { new (&value_) T(v); }  // NOLINT: implicit on purpose
  Result(T&& v) : err_(0) { new (&value_) T(std::move(v)); }  // NOLINT
  Result(Errno e) : err_(to_int(e)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Errno>>>
  Result(U&& v) : err_(0) {  // NOLINT
    new (&value_) T(std::forward<U>(v));
  }
  Result(Result&& o) noexcept : err_(o.err_) {
    if (err_ == 0) new (&value_) T(std::move(o.value_));
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (err_ == 0) value_.~T();
  }

  bool ok() const { return err_ == 0; }
  Errno error() const { return static_cast<Errno>(err_); }

  T& value() & {
    check();
    return value_;
  }
  const T& value() const& {
    check();
    return value_;
  }
  T&& value() && {
    check();
    return std::move(value_);
  }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }

 private:
  void check() const {
    if (err_ != 0) result_value_of_error(error());
  }
  int err_;
  union {
    T value_;
  };
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : err_(0) {}
  Result(Errno e) : err_(to_int(e)) {}  // NOLINT
  bool ok() const { return err_ == 0; }
  Errno error() const { return static_cast<Errno>(err_); }
  void value() const {
    if (err_ != 0) result_value_of_error(error());
  }

 private:
  int err_;
};

// The success value of Result<void>.
inline Result<void> ok() { return {}; }

}  // namespace rk

// Evaluates a Result; on error returns the error from the enclosing function, otherwise yields
// the value. (A GNU statement expression: g++ and clang both have it.)
#define RK_TRY(expr)                                   \
  ({                                                   \
    auto rk_try_result_ = (expr);                      \
    if (!rk_try_result_.ok()) return rk_try_result_.error(); \
    std::move(rk_try_result_).value();                 \
  })

// Evaluates a Result that cannot fail unless the kernel is broken: panics on error.
#define RK_MUST(expr)                                  \
  ({                                                   \
    auto rk_must_result_ = (expr);                     \
    if (!rk_must_result_.ok()) ::rk::result_value_of_error(rk_must_result_.error()); \
    std::move(rk_must_result_).value();                \
  })
