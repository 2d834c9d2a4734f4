test_vmx_ctl_srcs := arch/x86/vmx/vmx_ctl.c lib/printf.c tests/unit/fake_console.c
