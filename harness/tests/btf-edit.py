#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""btf-edit.py IN OUT rename|dup|tag:N NAME: write a copy of the raw BTF
file IN to OUT with the BTF_KIND_FUNC named NAME changed, for the
resolve_btfids tests (harness/tests/resolve-btfids.sh):

  rename  the FUNC's name gets another last letter: no FUNC of NAME is left;
  dup     a second FUNC of NAME, with the same prototype, is appended;
  tag:N   a BTF_KIND_DECL_TAG on its parameter N (-1: on the function),
          named NAME too, is appended, as pahole >= 1.26 can emit one;
  kfunc-tag  a BTF_KIND_DECL_TAG "bpf_kfunc" on the function is appended,
          as pahole >= 1.27 tags kfuncs.

Exits 1 naming the problem when IN is not BTF or has no FUNC of NAME."""

import struct
import sys

BTF_KIND_FUNC = 12
BTF_KIND_DECL_TAG = 17
# Bytes that follow the 12-byte struct btf_type, per kind: (fixed, per vlen).
EXTRA = {1: (4, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8),
         13: (0, 8), 14: (4, 0), 15: (0, 12), 17: (4, 0), 19: (0, 12)}


def fail(msg):
    print(f'btf-edit: {msg}', file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 5 or not (sys.argv[3] in ('rename', 'dup',
                                                  'kfunc-tag') or
                                  sys.argv[3].startswith('tag:')):
        fail('usage: btf-edit.py IN OUT rename|dup|tag:N|kfunc-tag NAME')
    src, dst, op, name = sys.argv[1:]
    data = bytearray(open(src, 'rb').read())
    if data[:2] == b'\x9f\xeb':
        end = '<'
    elif data[:2] == b'\xeb\x9f':
        end = '>'
    else:
        fail(f'{src} is not raw BTF (magic {data[:2].hex()})')
    hdr_len, type_off, type_len, str_off, str_len = \
        struct.unpack_from(end + '5I', data, 4)
    types = hdr_len + type_off
    strs = hdr_len + str_off

    want = name.encode()
    at = data.find(b'\0' + want + b'\0', strs, strs + str_len)
    if at < 0:
        fail(f'no string {name} in {src}')
    name_off = at + 1 - strs

    pos, func, type_id = types, None, 1
    while pos < types + type_len:
        t_name, info, _ = struct.unpack_from(end + '3I', data, pos)
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        if kind == BTF_KIND_FUNC and t_name == name_off:
            func = pos
            break
        fixed, per = EXTRA.get(kind, (0, 0))
        pos += 12 + fixed + per * vlen
        type_id += 1
    if func is None:
        fail(f'no BTF_KIND_FUNC {name} in {src}')

    if op == 'kfunc-tag':
        # "bpf_kfunc" in the strings, appended if it is not there
        tag = data.find(b'\0bpf_kfunc\0', strs, strs + str_len)
        if tag < 0:
            tag_off = str_len
            data[strs + str_len:strs + str_len] = b'bpf_kfunc\0'
            str_len += len(b'bpf_kfunc\0')
            struct.pack_into(end + 'I', data, 4 + 16, str_len)
        else:
            tag_off = tag + 1 - strs
        name_off, op = tag_off, 'tag:-1'
    if op == 'rename':
        last = at + len(want)
        data[last] = ord('X') if data[last] != ord('X') else ord('Y')
    else:
        if op == 'dup':
            record = bytes(data[func:func + 12])
        else:
            record = struct.pack(end + '3Ii', name_off,
                                 BTF_KIND_DECL_TAG << 24, type_id,
                                 int(op[4:]))
        cut = types + type_len
        data[cut:cut] = record
        struct.pack_into(end + '2I', data, 4 + 8,
                         type_len + len(record), str_off + len(record))
    open(dst, 'wb').write(data)


main()
