test_msr_policy_srcs := arch/x86/vmx/msr_policy.c arch/x86/vmx/cpuid_policy.c
