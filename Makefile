# aiOS Security — set-up, build, test, run. Every target is idempotent.
SHELL := /bin/bash
SWIFT ?= swift
STATE_DIR ?= $(CURDIR)/.aios
# Debian packages the build, the tests and the benchmarks need (bubblewrap only as the sandbox benchmark's anchor,
# apparmor only for apparmor_parser, which checks rendered profiles; sshd, nmap and fail2ban only for tests and
# benchmarks inside network namespaces; systemd for journalctl, and for the journald a test runs in its own
# namespaces); `make deps` installs the missing ones. Installing never starts a service
# (sshd, fail2ban): a policy-rc.d that refuses is in place while apt runs, so the host's network stays untouched.
# chromium and chromium-driver only for the web console's browser test (Tests/Console). gpgv verifies package
# repositories' signatures; apt-utils (apt-ftparchive) and gpg only build the tests' own signed repositories.
DEB_PACKAGES := git python3 python3-venv libsqlite3-dev libseccomp-dev keyutils openssl curl iproute2 podman runc busybox-static apparmor bubblewrap \
  libnftables-dev nftables nmap openssh-server openssh-client sshpass fail2ban systemd util-linux chromium chromium-driver \
  gpgv gpg apt-utils
FUZZ_SECONDS ?= 60
SHARED ?= $(CURDIR)/../shared
# The Python SDK's tests: a venv of their own (grpcio, protobuf, cryptography and pytest from PyPI) and the daemon
# binary they start.
VENV ?= $(CURDIR)/.venv
# Debian's interpreter: an agent's sandbox runs the same one (from /usr) with the venv's packages.
VENV_PYTHON ?= /usr/bin/python3
AIOS_SEC_BIN ?= $(CURDIR)/.build/debug/aios-sec
# The MCP server's tests: the Python `mcp` client from PyPI in a venv of their own.
MCP_VENV ?= $(CURDIR)/.venv-mcp
SDK_SOURCES := $(shell find sdk/python/src sdk/python/pyproject.toml -type f ! -path '*/__pycache__/*' ! -path '*.egg-info/*' 2>/dev/null)

.PHONY: install all deps build test sdk-test mcp-test lint run fuzz fuzz-build bench bench-authz clean model model-check

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "run as root (or install:$$missing)"; exit 69; fi; \
	  guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; status=$$?; \
	  [ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d; [ $$status -eq 0 ] || exit $$status; \
	else echo "deps: all present ($(DEB_PACKAGES))"; fi

build: deps
	$(SWIFT) build

lint:
	$(SWIFT) format lint --strict -r Sources Tests Fuzz/Sources Package.swift

# The supervisor's tests and the console's need Swift's cooperative threads (one per core) free: the supervisor runs
# its watch loop on them, the console's in-process server its request handlers. The integration suites block those
# threads while they wait for the real binary (a loaded machine then answered the console's test client only after
# its read timeout), so both run on their own.
# The SDK's venv comes first: an end-to-end Swift test runs a Python agent with it inside a sandbox. So do the
# independent gRPC clients' venv and the console browser test's (Selenium), which parallel tests would otherwise
# all start to create at once.
test: deps lint $(VENV)/.sdk-installed
	$(SWIFT) build --build-tests
	@Tests/Conformance/venv.sh > /dev/null
	@Tests/Console/venv.sh > /dev/null
	$(SWIFT) test --skip SupervisorTests --skip '^ConsoleTests\.'
	$(SWIFT) test --skip-build --filter '^ConsoleTests\.'
	$(SWIFT) test --skip-build --filter SupervisorTests
	$(MAKE) --no-print-directory sdk-test
	$(MAKE) --no-print-directory mcp-test

# The Python SDK (sdk/python) against a real daemon: installed into .venv only when its sources changed.
$(VENV)/.sdk-installed: $(SDK_SOURCES)
	@[ -x "$(VENV)/bin/python" ] || $(VENV_PYTHON) -m venv "$(VENV)"
	@"$(VENV)/bin/python" -m pip install -q --disable-pip-version-check "./sdk/python[test]"
	@touch "$@"

sdk-test: deps $(VENV)/.sdk-installed
	$(SWIFT) build --product aios-sec
	cd sdk/python && AIOS_SEC_BIN="$(AIOS_SEC_BIN)" "$(VENV)/bin/python" -m pytest -q -p no:cacheprovider tests

# `aios-sec mcp` seen by the Python `mcp` client (Tests/MCP), against a real daemon.
$(MCP_VENV)/.installed: Tests/MCP/requirements.txt
	@[ -x "$(MCP_VENV)/bin/python" ] || $(VENV_PYTHON) -m venv "$(MCP_VENV)"
	@"$(MCP_VENV)/bin/python" -m pip install -q --disable-pip-version-check -r Tests/MCP/requirements.txt
	@touch "$@"

mcp-test: deps $(MCP_VENV)/.installed
	$(SWIFT) build --product aios-sec
	AIOS_SEC_BIN="$(AIOS_SEC_BIN)" "$(MCP_VENV)/bin/python" -m pytest -q -p no:cacheprovider Tests/MCP

# `make install [DESTDIR=…] [PREFIX=/usr/local] [CONFIG=release|debug] [INSTALL_BIN=path]`: the binary, the systemd
# units (packaging/systemd, with their paths filled in), shell completions, the man page (packaging/man, made by
# scripts/gen-man.sh) and the docs. Enables nothing: see
# docs/install.md for the units and their order.
PREFIX ?= /usr/local
CONFIG ?= release
INSTALL_BIN ?= .build/$(CONFIG)/aios-sec
BINDIR = $(PREFIX)/bin
UNITDIR = $(PREFIX)/lib/systemd/system
DOCDIR = $(PREFIX)/share/doc/aios-sec
install:
	@[ -x "$(INSTALL_BIN)" ] || $(SWIFT) build -c $(CONFIG) --product aios-sec
	install -D -m 0755 "$(INSTALL_BIN)" "$(DESTDIR)$(BINDIR)/aios-sec"
	@for unit in packaging/systemd/*; do \
	  mkdir -p "$(DESTDIR)$(UNITDIR)"; \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' "$$unit" > "$(DESTDIR)$(UNITDIR)/$$(basename $$unit)"; \
	  chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename $$unit)"; \
	done
	mkdir -p "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d" "$(DESTDIR)$(DOCDIR)"
	"$(INSTALL_BIN)" --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/aios-sec"
	"$(INSTALL_BIN)" --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_aios-sec"
	"$(INSTALL_BIN)" --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/aios-sec.fish"
	install -m 0644 docs/*.md "$(DESTDIR)$(DOCDIR)/"
	install -D -m 0644 packaging/man/aios-sec.1 "$(DESTDIR)$(PREFIX)/share/man/man1/aios-sec.1"
	install -D -m 0644 models/risk-model.json "$(DESTDIR)$(PREFIX)/share/aios-sec/models/risk-model.json"
	install -D -m 0644 models/risk-model.manifest.json "$(DESTDIR)$(PREFIX)/share/aios-sec/models/risk-model.manifest.json"

run: build
	$(SWIFT) run aios-sec serve --state-dir "$(STATE_DIR)"

# libFuzzer targets for every parser of untrusted input (see Fuzz/README.md).
fuzz-build:
	cd Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld

fuzz: fuzz-build
	@set -e; for target in $$(cd Fuzz && ls Sources | grep "^fuzz-"); do \
	  mkdir -p Fuzz/corpus-run/$$target; \
	  echo "== $$target ($(FUZZ_SECONDS)s)"; \
	  Fuzz/.build/release/$$target -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    Fuzz/corpus-run/$$target Fuzz/corpus/$$target; \
	done

bench: bench-authz

# The authz benchmark contract of ../shared/bench/authz (workloads are generated into Benchmarks/work/).
bench-authz:
	$(SWIFT) build -c release --product aios-sec
	mkdir -p Benchmarks/work
	@for seed in 42 1 2 3 4 5; do \
	  f=Benchmarks/work/workload-$$seed.json; \
	  [ -f $$f ] || python3 $(SHARED)/bench/authz/gen_workload.py --seed $$seed --out $$f >/dev/null; \
	  .build/release/aios-sec bench authz $$f --repeats 5; \
	done

# The local risk model (docs/analysis.md): a fresh venv with the pinned scikit-learn, the simulator, training, export
# (models/risk-model.json, models/train/metrics.json, the Swift parity fixture). The exported model is committed and
# the build never trains; `model-check` retrains and fails unless the result is the committed files byte for byte.
MODEL_VENV ?= $(CURDIR)/models/train/.venv
model:
	rm -rf $(MODEL_VENV)
	$(VENV_PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet -r models/train/requirements.txt
	cd models/train && $(MODEL_VENV)/bin/python train.py

model-check: model
	git diff --exit-code -- models/risk-model.json models/train/metrics.json \
	  Tests/DetectionTests/Fixtures/risk-model-parity.json

clean:
	rm -rf .build Fuzz/.build .venv
