test_mailbox_srcs := lib/mailbox.c tests/unit/fake_console.c
