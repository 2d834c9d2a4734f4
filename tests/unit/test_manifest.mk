test_manifest_srcs := core/manifest.c core/manifest_check.c lib/printf.c tests/unit/fake_console.c
