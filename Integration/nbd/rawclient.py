#!/usr/bin/env python3
"""Speaks NBD byte by byte to probe what real clients never send: oversized requests, garbage,
unknown exports. Usage: rawclient.py SOCKET CHECK EXPORT; prints what happened, exits 0 if the
server behaved as the spec demands. Stdlib only (python3-libnbd is not in the test image)."""
import socket
import struct
import sys

OPT_MAGIC = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9
REQ_MAGIC = 0x25609513
SIMPLE_MAGIC = 0x67446698
OPT_GO, OPT_LIST = 7, 3
CMD_READ, CMD_WRITE = 0, 1
EINVAL = 22


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError(f"server closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    magic, opt, flags = struct.unpack(">QQH", recv_exact(s, 18))
    assert magic == 0x4E42444D41474943 and opt == OPT_MAGIC, "bad greeting"
    s.sendall(struct.pack(">I", 3))  # fixed newstyle + no zeroes
    return s


def option(s, code, data):
    s.sendall(struct.pack(">QII", OPT_MAGIC, code, len(data)) + data)


def option_reply(s):
    magic, opt, rtype, length = struct.unpack(">QIII", recv_exact(s, 20))
    assert magic == REPLY_MAGIC, "bad option reply magic"
    return opt, rtype, recv_exact(s, length)


def go(s, name):
    n = name.encode()
    option(s, OPT_GO, struct.pack(">I", len(n)) + n + struct.pack(">H", 0))
    info = {}
    while True:
        opt, rtype, data = option_reply(s)
        if rtype == 1:
            return info
        if rtype & 0x80000000:
            return {"error": rtype, "message": data.decode(errors="replace")}
        if rtype == 3:
            (itype,) = struct.unpack(">H", data[:2])
            if itype == 0:
                info["size"], info["flags"] = struct.unpack(">QH", data[2:])
            elif itype == 3:
                info["min"], info["pref"], info["max"] = struct.unpack(">III", data[2:])


def request(s, cmd, cookie, offset, length, payload=b""):
    s.sendall(struct.pack(">IHHQQI", REQ_MAGIC, 0, cmd, cookie, offset, length) + payload)


def simple_reply(s):
    magic, error, cookie = struct.unpack(">IIQ", recv_exact(s, 16))
    assert magic == SIMPLE_MAGIC, f"bad reply magic {magic:#x}"
    return error, cookie


def main():
    path, check, export = sys.argv[1], sys.argv[2], sys.argv[3]
    s = connect(path)
    if check == "oversized":
        info = go(s, export)
        assert "error" not in info, info
        too_big = info["max"] + 4096
        request(s, CMD_WRITE, 1, 0, too_big, b"\xee" * too_big)
        error, cookie = simple_reply(s)
        assert (error, cookie) == (EINVAL, 1), f"oversized write answered error={error} cookie={cookie}"
        request(s, CMD_READ, 2, 0, too_big)
        error, cookie = simple_reply(s)
        assert (error, cookie) == (EINVAL, 2), f"oversized read answered error={error} cookie={cookie}"
        request(s, CMD_READ, 3, 0, 4096)  # the connection must still be in sync
        error, cookie = simple_reply(s)
        data = recv_exact(s, 4096)
        assert (error, cookie) == (0, 3) and b"\xee" * 16 not in data, "skipped payload was written or stream desynced"
        print(f"oversized write/read of {too_big} bytes answered EINVAL; connection still in sync")
    elif check == "readonly":
        info = go(s, export)
        assert "error" not in info and info["flags"] & 2, f"export not advertised read-only: {info}"
        request(s, CMD_WRITE, 1, 0, 512, b"\x99" * 512)
        error, cookie = simple_reply(s)
        assert (error, cookie) == (1, 1), f"write to read-only export answered error={error}"
        print("read-only export: READ_ONLY flag set, write answered EPERM")
    elif check == "unknown":
        info = go(s, export)
        assert info.get("error") == 0x80000006, f"GO on unknown export answered {info}"
        print(f"unknown export answered NBD_REP_ERR_UNKNOWN: {info['message']}")
    elif check == "garbage":
        s.sendall(b"\xff" * 64)
        try:
            rest = s.recv(100)
        except socket.timeout:
            sys.exit("server kept a connection that sent garbage open")
        assert rest == b"", f"server answered garbage with {rest!r}"
        print("server closed the connection that sent garbage")
    elif check == "unsupported":
        option(s, 5, b"")  # STARTTLS
        opt, rtype, data = option_reply(s)
        assert rtype == 0x80000001, f"STARTTLS answered {rtype:#x}"
        option(s, OPT_LIST, b"x")  # LIST must carry no data
        opt, rtype, data = option_reply(s)
        assert rtype == 0x80000003, f"LIST with data answered {rtype:#x}"
        info = go(s, export)
        assert "error" not in info, info
        print("STARTTLS -> ERR_UNSUP, LIST with data -> ERR_INVALID, negotiation continued to GO")
    else:
        sys.exit(f"unknown check {check}")


if __name__ == "__main__":
    main()
