test_symbols_srcs := core/symbols.c sched/microslice.c lib/printf.c lib/string.c tests/unit/fake_console.c
