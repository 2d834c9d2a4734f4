# SPDX-License-Identifier: MIT
# Top-level fragment: `make linux-module` builds build/linux/cypress.ko, `make linux-pv`
# the initramfs of the tests/linux/pv suite.
# Environment: included by the top-level Makefile (host make); LINUX_VERSION
# names the Debian kernel whose headers are installed: the one tools/linux-fetch
# fetched (build/linux/VERSION), else 6.1.0-57-amd64.
LINUX_VERSION ?= $(shell cat $(BUILD)/linux/VERSION 2>/dev/null || echo 6.1.0-57-amd64)

$(BUILD)/linux/cypress.ko: $(wildcard guest-abi/linux/*.c guest-abi/linux/*.h) \
		guest-abi/linux/Kbuild guest-abi/cypress.h
	@$(MAKE) --no-print-directory -C guest-abi/linux VERSION=$(LINUX_VERSION) \
		OBJ=$(abspath $(BUILD)/linux/ko) KO=$(abspath $@)

linux-module: $(BUILD)/linux/cypress.ko

.PHONY: linux-module

# The initramfs of tests/linux/pv.manifest: the test initramfs plus cypress.ko and
# tests/linux/pv.sh, which tests/linux/init runs after its own checks. Needs
# build/linux/busybox (tools/linux-fetch, `make linux`).
$(BUILD)/linux/initramfs-pv.cpio: $(BUILD)/linux/cypress.ko tests/linux/pv.sh tests/linux/init
	tools/linux-initramfs -o $@ --add $(BUILD)/linux/cypress.ko:/lib/cypress/cypress.ko \
		--add tests/linux/pv.sh:/lib/cypress/pv.sh

linux-pv: $(BUILD)/linux/initramfs-pv.cpio

.PHONY: linux-pv
