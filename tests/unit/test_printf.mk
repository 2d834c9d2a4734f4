test_printf_srcs := lib/printf.c
