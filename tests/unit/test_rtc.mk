test_rtc_srcs := arch/x86/vdev/rtc.c
