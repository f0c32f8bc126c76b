#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kfunc-audit.py KSRC: count the kfuncs of a kernel tree and how many are
defined with __bpf_kfunc.

A kfunc is a function listed as BTF_ID_FLAGS(func, NAME) in a .c file. Its
definition is looked for in that file first, then in the whole tree. The
build enforces the annotation for what a configuration compiles; this
reads the source, so it covers every configuration. Exits 1 when a kfunc's
definition lacks the annotation or cannot be found."""

import re
import subprocess
import sys

ksrc = sys.argv[1]


def git_grep(*args):
    r = subprocess.run(['git', '-C', ksrc, 'grep', '-l', *args],
                       capture_output=True, text=True)
    return [f for f in r.stdout.split('\n') if f]


def definition(text, name):
    """The declaration text before NAME( of its definition, or None."""
    pat = re.compile(r'(?m)^(?=[A-Za-z_])([^;{}()=\n]*\n?[^;{}()=\n]*?)\b'
                     + re.escape(name) + r'\(')
    for m in pat.finditer(text):
        depth, k = 1, m.end()
        while depth and k < len(text):
            depth += {'(': 1, ')': -1}.get(text[k], 0)
            k += 1
        if text[k:].lstrip().startswith('{'):
            return m.group(1)
    return None


kfuncs = []
for f in git_grep('-E', r'BTF_ID_FLAGS\(func,', '--', '*.c'):
    text = open(f'{ksrc}/{f}').read()
    for name in re.findall(r'BTF_ID_FLAGS\(func,\s*(\w+)', text):
        kfuncs.append((f, name))

bad = []
annotated = 0
for f, name in kfuncs:
    decl = definition(open(f'{ksrc}/{f}').read(), name)
    where = f
    if decl is None:
        for g in git_grep('-w', '-e', name, '--', '*.c'):
            decl = definition(open(f'{ksrc}/{g}').read(), name)
            if decl is not None:
                where = g
                break
    if decl is None:
        bad.append(f'{name} (listed in {f}): definition not found')
    elif re.search(r'\b__bpf_kfunc\b', decl):
        annotated += 1
    else:
        bad.append(f'{name} ({where}): defined without __bpf_kfunc')

for b in bad:
    print(f'kfunc-audit: {b}')
print(f'kfunc-audit: {annotated}/{len(kfuncs)} kfuncs defined with __bpf_kfunc')
sys.exit(1 if bad or not kfuncs else 0)
