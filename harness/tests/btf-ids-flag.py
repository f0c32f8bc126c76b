#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""btf-ids-flag.py OBJ FUNC SET FLAG: in the ELF object OBJ (little-endian,
64-bit), add FLAG (a number) to the flags of FUNC's pair in the kfunc set
SET of .BTF_ids, as if the source listed it with that flag; OBJ is changed
in place.  For the KF_IMPLICIT_ARGS tests of harness/tests/resolve-btfids.sh.
Exits 1 naming the problem when OBJ has no such section, set or pair."""

import struct
import subprocess
import sys


def fail(msg):
    print(f'btf-ids-flag: {msg}', file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 5:
        fail('usage: btf-ids-flag.py OBJ FUNC SET FLAG')
    obj, func, kset, flag = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4], 0)
    data = bytearray(open(obj, 'rb').read())
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        fail(f'{obj} is not a little-endian 64-bit ELF object')
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<3H', data, 0x3a)
    secs = [struct.unpack_from('<IIQQQQ', data, shoff + i * shentsize)
            for i in range(shnum)]
    strtab = secs[shstrndx][4]

    def name(off):
        return data[strtab + off:data.index(b'\0', strtab + off)].decode()
    ids = [s for s in secs if name(s[0]) == '.BTF_ids']
    if not ids:
        fail(f'{obj} has no .BTF_ids section')
    addr, off, size = ids[0][3], ids[0][4], ids[0][5]

    # the set's count is filled in by resolve_btfids: use the symbol's size
    syms, sizes = {}, {}
    nm = subprocess.run(['nm', '-S', obj], capture_output=True, text=True,
                        check=True).stdout
    for line in nm.splitlines():
        f = line.split()
        if len(f) == 4 and f[3].startswith('__BTF_ID__'):
            syms.setdefault(f[3], []).append(int(f[0], 16))
            sizes[f[3]] = int(f[1], 16)
        elif len(f) == 3 and f[2].startswith('__BTF_ID__'):
            syms.setdefault(f[2], []).append(int(f[0], 16))
    name = f'__BTF_ID__set8__{kset}'
    if name not in syms or name not in sizes:
        fail(f'{obj} has no set8 {kset}')
    start = syms[name][0]
    pairs = range(start + 8, start + sizes[name], 8)
    prefix = f'__BTF_ID__func__{func}__'
    found = [a for s, v in syms.items() if s.startswith(prefix)
             for a in v if a in pairs]
    if not found:
        fail(f'set {kset} of {obj} does not list {func}')
    at = off + found[0] - addr + 4
    old, = struct.unpack_from('<I', data, at)
    struct.pack_into('<I', data, at, old | flag)
    open(obj, 'wb').write(data)


if __name__ == '__main__':
    main()
