# The sysproxy wire parsers (tests/fuzz/fuzz_sysproxy.cpp).
rk_fuzz(fuzz_sysproxy fuzz_sysproxy.cpp)
target_link_libraries(fuzz_sysproxy PRIVATE rumpsysproxy)
