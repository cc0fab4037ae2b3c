// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// Every lock is a capability and every field it protects says so; clang checks the rules at
// compile time (-Wthread-safety), other compilers ignore them.
#pragma once

#if defined(__clang__)
#define RK_TSA(x) __attribute__((x))
#else
#define RK_TSA(x)
#endif

#define RK_CAPABILITY(x) RK_TSA(capability(x))
#define RK_SCOPED_CAPABILITY RK_TSA(scoped_lockable)
#define RK_GUARDED_BY(x) RK_TSA(guarded_by(x))
#define RK_PT_GUARDED_BY(x) RK_TSA(pt_guarded_by(x))
#define RK_ACQUIRED_BEFORE(...) RK_TSA(acquired_before(__VA_ARGS__))
#define RK_REQUIRES(...) RK_TSA(requires_capability(__VA_ARGS__))
#define RK_REQUIRES_SHARED(...) RK_TSA(requires_shared_capability(__VA_ARGS__))
#define RK_ACQUIRE(...) RK_TSA(acquire_capability(__VA_ARGS__))
#define RK_ACQUIRE_SHARED(...) RK_TSA(acquire_shared_capability(__VA_ARGS__))
#define RK_RELEASE(...) RK_TSA(release_capability(__VA_ARGS__))
#define RK_RELEASE_SHARED(...) RK_TSA(release_shared_capability(__VA_ARGS__))
#define RK_RELEASE_GENERIC(...) RK_TSA(release_generic_capability(__VA_ARGS__))
#define RK_TRY_ACQUIRE(...) RK_TSA(try_acquire_capability(__VA_ARGS__))
#define RK_TRY_ACQUIRE_SHARED(...) RK_TSA(try_acquire_shared_capability(__VA_ARGS__))
#define RK_EXCLUDES(...) RK_TSA(locks_excluded(__VA_ARGS__))
#define RK_ASSERT_CAPABILITY(x) RK_TSA(assert_capability(x))
#define RK_RETURN_CAPABILITY(x) RK_TSA(lock_returned(x))
// An opt-out: every use says why in a comment next to it.
#define RK_NO_THREAD_SAFETY_ANALYSIS RK_TSA(no_thread_safety_analysis)
