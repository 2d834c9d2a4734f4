test_decode_srcs := arch/x86/decode.c tests/unit/fake_console.c
