test_heap_srcs := mm/heap.c mm/frame.c tests/unit/fake_console.c lib/err.c
