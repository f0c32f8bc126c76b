#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ksrc.sh: print the work tree the harness builds and tests: build/linux,
# or with KSRC=/path/to/linux the git worktree of that tree that carries the
# series, build/ksrc/NAME/linux (lib.sh); fails when there is none yet.
. "$(dirname "$0")/../lib.sh"

[ -e "$KSRC/.git" ] ||
	die "ksrc: no work tree $KSRC yet; run 'make tree${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}' first"
echo "$KSRC"
