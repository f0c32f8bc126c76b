#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""veristat-cmp.py: the verifier-cost gate over two veristat CSV files.

veristat-cmp.py [--allow FILE] [--series GLOB...] [--sums-base F --sums F]
                [--aa] BASE.csv NEW.csv

Joins the programs of BASE (the unpatched base's kernel) and NEW (the
series' kernel) by object and program name, as 'veristat -C' does, and
fails on:
  - a changed verdict;
  - a changed count of instructions processed or of states, unless the
    program matches an entry of --allow FILE ("OBJECT/PROGRAM<TAB>reason",
    fnmatch patterns): it uses a feature of the series, which says so;
  - a program of BASE that NEW lacks.
Programs of the series' own objects (--series, object-name patterns) have
no base to compare with and are counted apart; so are objects whose
sha256 (--sums NEW's, --sums-base BASE's) differs: they changed since the
base was measured.  With --sums, only the objects it lists are compared
(BASE may hold more: make check runs a selection).  Reports the total verification time of the programs
that pass on both, NEW against BASE, as a ratio.

--aa compares two runs on one kernel: any change of verdict, instructions
or states is an error there (they do not depend on timing), and the time
ratio is the A/A spread.  Exit status 1 when the gate fails.
"""
import argparse
import csv
import fnmatch
import sys


def load(path):
    rows = {}
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            key = (r['file_name'], r['prog_name'])
            rows[key] = {
                'verdict': r['verdict'],
                'duration': int(r['duration']),
                'insns': int(r['total_insns']),
                'states': int(r['total_states']),
            }
    return rows


def sums(path):
    out = {}
    if path:
        with open(path) as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                h, name = line.split(None, 1)
                out[name.strip()] = h
    return out


def load_allow(path):
    allow = []
    if path:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip('\n')
                if not line.strip() or line.lstrip().startswith('#'):
                    continue
                pat, sep, why = line.partition('\t')
                if not sep or not why.strip():
                    sys.exit('%s:%d: want "OBJECT/PROGRAM<TAB>reason"' %
                             (path, n))
                allow.append((pat.strip(), why.strip()))
    return allow


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--allow')
    ap.add_argument('--series', nargs='*', default=[])
    ap.add_argument('--sums-base')
    ap.add_argument('--sums')
    ap.add_argument('--aa', action='store_true')
    ap.add_argument('base')
    ap.add_argument('new')
    a = ap.parse_args()

    base, new = load(a.base), load(a.new)
    sb, sn = sums(a.sums_base), sums(a.sums)
    allow = load_allow(a.allow)
    fails, expected, series, changed, added = [], [], [], [], []
    compared = 0
    tb = tn = 0

    for key in sorted(set(base) | set(new)):
        obj, prog = key
        name = '%s/%s' % key
        if sn and obj not in sn:
            continue    # not among the objects of this run
        if any(fnmatch.fnmatch(obj, g) for g in a.series):
            series.append(name)
            continue
        if sb and sn and sb.get(obj) != sn.get(obj):
            changed.append(name)
            continue
        if key not in new:
            fails.append('%s: in the base, missing now' % name)
            continue
        if key not in base:
            added.append(name)
            continue
        b, n = base[key], new[key]
        compared += 1
        if b['verdict'] != n['verdict']:
            fails.append('%s: verdict %s, was %s' %
                         (name, n['verdict'], b['verdict']))
            continue
        if b['verdict'] == 'success':
            tb += b['duration']
            tn += n['duration']
        if (b['insns'], b['states']) == (n['insns'], n['states']):
            continue
        what = 'insns %d -> %d (%+.1f%%), states %d -> %d' % (
            b['insns'], n['insns'],
            100.0 * (n['insns'] - b['insns']) / max(b['insns'], 1),
            b['states'], n['states'])
        why = [w for p, w in allow if fnmatch.fnmatch(name, p)]
        if why and not a.aa:
            expected.append('%s: %s: %s' % (name, what, why[0]))
        else:
            fails.append('%s: %s' % (name, what))

    for f in fails:
        print('VERISTAT FAIL ' + f)
    for e in expected:
        print('VERISTAT expected ' + e)
    for s in added:
        print('VERISTAT new program, not in the base: ' + s)
    objs = len({k[0] for k in new if '%s/%s' % k not in series})
    ratio = tn / tb if tb else float('nan')
    print('veristat: %d programs compared (%d objects): %d verdict changes,'
          ' %d insns/states changes (%d expected, listed with their reason),'
          ' %d failures; %d programs of the series\' objects and %d of'
          ' objects changed since the base not compared; verification time'
          ' %s/%s %.3f (%d us against %d us)' % (
              compared, objs,
              sum(1 for f in fails if ': verdict ' in f),
              sum(1 for f in fails if ': insns ' in f) + len(expected),
              len(expected), len(fails), len(series), len(changed),
              'run 2' if a.aa else 'series', 'run 1' if a.aa else 'base',
              ratio, tn, tb))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
