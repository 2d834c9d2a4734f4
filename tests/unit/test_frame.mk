test_frame_srcs := mm/frame.c tests/unit/fake_console.c lib/err.c
