# Compiler flags shared by every target, and the stricter ones of kernel code.

set(RK_WARNINGS -Wall -Wextra -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND RK_WARNINGS -Wthread-safety)
endif()
if(RK_WERROR)
  list(APPEND RK_WARNINGS -Werror)
endif()
add_compile_options(${RK_WARNINGS})

# Calls inside a library need not go through its PLT: nobody interposes kernel functions.
add_compile_options(-fno-semantic-interposition)

if(RK_SANITIZE)
  add_compile_options(-fsanitize=${RK_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${RK_SANITIZE})
endif()

if(RK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RK_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  # Coverage for everything; the fuzz targets themselves link -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
endif()

# Kernel code (kern/ vfs/ fs/ net/ dev/): no exceptions, no RTTI, no host headers (DESIGN.md §2).
set(RK_KERNEL_FLAGS -fno-exceptions -fno-rtti)

function(rk_kernel_code target)
  target_compile_options(${target} PRIVATE ${RK_KERNEL_FLAGS})
endfunction()
