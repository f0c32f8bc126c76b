# SPDX-License-Identifier: GPL-2.0
# awk -v f="'NAME'" -f btf-params.awk DUMP DUMP: from a `bpftool btf dump
# ... format raw` (read twice), print the quoted parameter names of the
# prototype of the FUNC NAME, space-separated ('mul' 'aux'), nothing for
# none, or - when there is no such FUNC.
NR == FNR {
	if ($2 == "FUNC" && $3 == f)
		for (i = 4; i <= NF; i++)
			if ($i ~ /^type_id=/)
				proto = "[" substr($i, 9) "]"
	next
}
$1 ~ /^\[[0-9]+\]$/ {
	cur = $1
	next
}
proto != "" && cur == proto && $1 ~ /^'/ {
	params = params (params == "" ? "" : " ") $1
}
END {
	print proto == "" ? "-" : params
}
