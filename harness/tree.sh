#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh: make $KSRC the base with the series applied.  Without KSRC that
# is build/linux, made from Debian's linux-source-6.1 on first use; with
# KSRC=/path it is the user's own git tree.
. "$(dirname "$0")/lib.sh"

[ "$KSRC" != "$KFS_BUILD/linux" ] || "$KFS_HARNESS/base.sh"
"$KFS_HARNESS/apply.sh"
