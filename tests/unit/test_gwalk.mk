test_gwalk_srcs := arch/x86/vdev/gwalk.c
