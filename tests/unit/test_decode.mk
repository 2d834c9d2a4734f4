test_decode_srcs := arch/x86/vdev/decode.c tests/unit/fake_console.c
