# SPDX-License-Identifier: MIT
# Top-level fragment: `make linux-module` builds build/linux/cypress.ko.
# Environment: included by the top-level Makefile (host make); LINUX_VERSION
# names the Debian kernel whose headers are installed.
LINUX_VERSION ?= 6.1.0-57-amd64

$(BUILD)/linux/cypress.ko: $(wildcard guest-abi/linux/*.c guest-abi/linux/*.h) \
		guest-abi/linux/Kbuild guest-abi/cypress.h
	@$(MAKE) --no-print-directory -C guest-abi/linux VERSION=$(LINUX_VERSION) \
		OUT=$(abspath $(BUILD)/linux)

linux-module: $(BUILD)/linux/cypress.ko

.PHONY: linux-module
