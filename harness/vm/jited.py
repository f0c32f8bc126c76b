#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# jited.py PINNED OUT: write the JITed image of the pinned BPF program to
# OUT (x86-64: the bpf syscall is number 321), for objdump.
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
NR_bpf = 321
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(NR_bpf, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), "bpf cmd %d" % cmd)
    return r, buf
path = ctypes.create_string_buffer(sys.argv[1].encode())
fd, _ = bpf(7, struct.pack("QII", ctypes.addressof(path), 0, 0))
info = ctypes.create_string_buffer(40)
bpf(15, struct.pack("IIQ", fd, 40, ctypes.addressof(info)))
jlen = struct.unpack_from("I", info.raw, 16)[0]
img = ctypes.create_string_buffer(jlen)
info2 = bytearray(40)
struct.pack_into("I", info2, 16, jlen)
struct.pack_into("Q", info2, 24, ctypes.addressof(img))
info2 = ctypes.create_string_buffer(bytes(info2), 40)
bpf(15, struct.pack("IIQ", fd, 40, ctypes.addressof(info2)))
open(sys.argv[2], "wb").write(img.raw[:jlen])
print("%s: %d bytes JITed" % (sys.argv[1], jlen))
