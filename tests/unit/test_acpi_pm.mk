test_acpi_pm_srcs := arch/x86/vdev/acpi_pm.c
