#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh: make $KSRC the base with the series applied.  Without KSRC that
# is build/linux, made from Debian's linux-source-6.1 on first use; with
# KSRC=/path it is a git worktree of the user's own tree on a branch of its
# own, build/ksrc/NAME/linux (lib.sh, apply.sh); the user's tree is never
# changed.
. "$(dirname "$0")/../lib.sh"

[ -n "$KFS_USER_TREE" ] || "$KFS_HARNESS/build/base.sh"
"$KFS_HARNESS/build/apply.sh"
