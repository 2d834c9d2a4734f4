test_guest_load_mods_srcs := core/guest_load.c core/guest_elf.c core/guest_mods.c core/guest_linux.c tests/unit/fake_console.c
