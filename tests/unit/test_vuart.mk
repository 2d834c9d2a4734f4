test_vuart_srcs := core/vuart.c tests/unit/fake_console.c
