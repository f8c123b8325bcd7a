# Tilldesk (收银台) — make run opens the till in demo mode; make test runs every test.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
# Fyne logs a locale parse error under LANG=C; a real locale (zh_CN.UTF-8 picks Chinese
# when ui.language is "auto") is passed through untouched.
ifeq ($(filter-out C C.UTF-8 POSIX,$(LANG)),)
export LANG := en_US.UTF-8
endif
VERSION := $(shell scripts/version.sh)
LDFLAGS := -X tilldesk/app.Version=$(VERSION)
BIN := bin/tilldesk
SHOTS := docs/screenshots
FUZZTIME ?= 10s
SOAKTIME ?= 5m

.PHONY: deps deps-screen deps-package build run test bench fuzz soak screenshots clean \
	package package-linux package-windows package-check

## deps: install missing Debian build packages (root: apt-get; else prints the command) and Go modules
deps:
	@scripts/deps.sh
	@$(GO) mod download

deps-screen:
	@scripts/deps.sh --screen
	@$(GO) mod download

deps-package:
	@scripts/deps.sh --package
	@$(GO) mod download

## build: the tilldesk binary in bin/
build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

## run: open the till (demo mode on first run); needs a display
run: build
	@if [ "$$(uname)" = Linux ] && [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are unset). Tilldesk is a desktop app:"; \
	  echo "  run it on the till's desktop, or on a server under Xvfb:  xvfb-run -a make run"; \
	  exit 1; fi
	$(BIN) $(ARGS)

## test: vet and every test with the race detector
test: deps
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

## bench: benchmarks, reported against floors measured in the same run
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 200x -count 1 ./...

## fuzz: a short run of every fuzz target (FUZZTIME each, default 10s)
fuzz: deps
	@scripts/fuzz.sh $(FUZZTIME)

## soak: one till selling every tender against the sandboxes for SOAKTIME (default 5m),
## checking its books against theirs and for leaks (TILLDESK_SOAK_SEED=N replays a run)
soak: deps
	TILLDESK_SOAK=$(SOAKTIME) $(GO) test -race -run '^TestSoak$$' -timeout 0 -v ./app

## screenshots: run the real app under Xvfb and save the README's PNGs in docs/screenshots
screenshots: deps-screen build
	@rm -rf .shots-data && mkdir -p $(SHOTS)
	xvfb-run -a -s "-screen 0 1280x800x24" $(BIN) --config .shots-data/config.toml --data-dir .shots-data screenshots $(SHOTS)
	@rm -rf .shots-data
	@ls $(SHOTS)

## package: the installers in dist/ (package-linux and package-windows), version from git tags
package: package-linux package-windows

## package-linux: dist/*.deb (nfpm) and the fyne package .tar.xz
package-linux: deps-package
	@scripts/package-linux.sh

## package-windows: tilldesk.exe cross-compiled with cgo and its NSIS installer, both signed
package-windows: deps-package
	@scripts/package-windows.sh

## package-check: build the packages, then check them (metadata, signatures, the app on Xvfb)
package-check: package
	@scripts/package-check.sh

clean:
	rm -rf bin .shots-data build dist
