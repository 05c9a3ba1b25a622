#!/usr/bin/env bash
# make demo: boot Xen 4.17 + dom0 in QEMU (TCG), start xenbackd, create a PV
# guest whose disk xenbackd serves, show the guest using it, xenbackctl's
# view and a throughput figure. The dom0 side is tests/xen/dom0-demo.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
echo "xenback demo on real Xen: Xen 4.17 + Debian's kernel as PV dom0 in QEMU (TCG, no KVM)."
echo "Booting (Xen, dom0, xenstored: about 20-40 s) ..."
"$top/scripts/xen-run.sh" --initrd "$top/build/xen/dom0.cpio" --timeout 300 \
	--console "$top/build/xen/demo-console.log" --dom0-append xb.demo=1 |
	while IFS= read -r line; do
		case $line in
		"# ==> "*) echo "[$(($(date +%s) - start))s] ${line#\# ==> }" ;;
		"#     "*) echo "      ${line#\#     }" ;;
		"ok "*) echo "  ok  ${line#ok * - }" ;;
		"not ok "*) echo "  FAIL ${line#not ok * - }" ;;
		"# "*) echo "      ${line#\# }" ;;
		esac
	done
rc=${PIPESTATUS[0]}
echo "demo finished in $(($(date +%s) - start)) s (full console: build/xen/demo-console.log)"
exit "$rc"
