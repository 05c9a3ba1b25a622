# make lint: the static checks (included by the top Makefile), one TAP
# program, scripts/lint.sh, which make check runs too (CHECK_TESTS):
#   shellcheck on every shell script (.shellcheckrc), one point each: fails
#     on any finding;
#   Linux's checkpatch.pl (linux-source-6.1) on kmod/: one point; findings
#     are listed as TAP comments and an ERROR fails it (kmod/ has none, and
#     no WARNING either);
#   clang-format with .clang-format (Linux kernel style): the C tree is NOT
#     formatted with it yet. lint only reports, as a TAP comment, how many
#     files and lines it would change; it fails only if clang-format cannot
#     run. Reformatting the tree is a change of its own, to come.
# A missing tool is a failed point naming its package (scripts/packages.txt).
.PHONY: lint
lint:
	@scripts/run-tap.sh lint scripts/lint.sh
CHECK_TESTS += scripts/lint.sh
