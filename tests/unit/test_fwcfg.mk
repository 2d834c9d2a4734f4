test_fwcfg_srcs := arch/x86/vdev/fwcfg.c
