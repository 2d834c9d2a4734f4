test_fwcfg_keys_srcs := core/manifest.c core/manifest_check.c core/manifest_keys.c lib/duration.c lib/printf.c tests/unit/fake_console.c
