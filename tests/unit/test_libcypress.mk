test_libcypress_srcs := guest-abi/libcypress.c
