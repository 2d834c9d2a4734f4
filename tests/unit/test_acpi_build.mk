test_acpi_build_srcs := arch/x86/vdev/acpi_build.c arch/x86/acpi.c arch/x86/acpi_madt.c \
	arch/x86/acpi_fadt.c tests/unit/fake_console.c
