#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kfunc-audit.py KSRC: count the kfuncs of a kernel tree and how many are
defined with __bpf_kfunc, and its kfunc sets and how many are marked with
BTF_KFUNCS_START.

A kfunc is a function listed as BTF_ID_FLAGS(func, NAME) in a .c file. Its
definition is looked for in that file first, then in the whole tree. Its
set is the BTF_KFUNCS_START or BTF_SET8_START before it. The build checks
only the kfuncs that survived a configuration and only in marked sets, and
cannot see the annotation; this reads the source, so it covers every
configuration. Exits 1 when a kfunc's definition lacks the annotation or
cannot be found, or when a kfunc set is not marked."""

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
sets = {}
set_re = re.compile(r'\b(BTF_KFUNCS_START|BTF_SET8_START)\((\w+)\)'
                    r'|BTF_ID_FLAGS\(func,\s*(\w+)')
for f in git_grep('-E', r'BTF_ID_FLAGS\(func,', '--', '*.c'):
    text = open(f'{ksrc}/{f}').read()
    opener = None
    for m in set_re.finditer(text):
        if m.group(1):
            opener = (m.group(1), m.group(2))
        else:
            kfuncs.append((f, m.group(3)))
            sets[(f, opener[1] if opener else None)] = \
                opener[0] if opener else None

bad = []
for (f, name), how in sorted(sets.items(), key=lambda x: (x[0][0], x[0][1] or '')):
    if how != 'BTF_KFUNCS_START':
        bad.append(f'kfunc set {name or "?"} ({f}): defined with '
                   f'{how or "no set macro"}, not BTF_KFUNCS_START')
marked = sum(1 for how in sets.values() if how == 'BTF_KFUNCS_START')
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
print(f'kfunc-audit: {annotated}/{len(kfuncs)} kfuncs defined with __bpf_kfunc, '
      f'{marked}/{len(sets)} kfunc sets marked with BTF_KFUNCS_START')
sys.exit(1 if bad or not kfuncs else 0)
