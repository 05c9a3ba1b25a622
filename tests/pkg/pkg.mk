# make deb: the Debian packages (scripts/make-deb.sh, packaging in
# scripts/debian/), into build/deb/. make deb-check: tests/pkg/deb-check.sh
# (build, lintian, contents, DKMS, install and purge), which make check runs.
.PHONY: deb deb-check
deb:
	scripts/make-deb.sh
deb-check:
	@scripts/run-tap.sh deb tests/pkg/deb-check.sh
CHECK_TESTS += tests/pkg/deb-check.sh
