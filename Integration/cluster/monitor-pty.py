#!/usr/bin/env python3
"""Runs `tandem monitor` on a pseudo-terminal as a person would, ends it one way, and checks
what the terminal saw (issue 5, item 6). Used by Integration/cluster/run.

    monitor-pty.py q|ctrl-c|sigterm SECONDS CMD...

CMD runs as the session leader of a new pty (so Ctrl-C reaches it as SIGINT through the line
discipline, as from a keyboard). After SECONDS of watching, the script presses q, presses
Ctrl-C or sends SIGTERM, and then requires, printing `FAIL <why>` and exiting 1 otherwise:

- the monitor exits by itself within 5 s, with status 0;
- it switched to the alternate screen and hid the cursor, and its very last output shows the
  cursor and leaves the alternate screen (the person's screen comes back as it was);
- the terminal's settings (echo, canonical mode) are the same after as before;
- it redrew in place: at least 3 frames, each started by cursor-home, the screen cleared once
  (at the start) and not per frame, so nothing scrolls or flickers;
- a frame shows resources with their roles, disk states, peers with connection and role, and
  the peers' replication and disk states;
- while the resync runs, frames show a progress bar with percent, rate and ETA, and the
  percent grows from one frame to a later one (the view is live, not one frame repeated).

On success it prints one line: `frames=N bars=N first=P% last=P% rate=R eta=E`.
"""
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
BAR = re.compile(r"\[(#*)(\.*)\]\s+(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)? (?:B|KiB|MiB|GiB)/s)\s+ETA (\d+:\d\d(?::\d\d)?)")


def fail(why, output=b""):
    tail = ANSI.sub(b"", output[-600:]).decode("utf-8", "replace").replace("\r", "").replace("\n", " | ")
    print(f"FAIL {why}" + (f" (last output: {tail})" if output else ""))
    sys.exit(1)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("q", "ctrl-c", "sigterm"):
        print(__doc__.strip().splitlines()[3].strip())
        sys.exit(2)
    how, seconds, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = bytearray()

    def pump(until):
        while time.time() < until:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                if not data:
                    return
                out.extend(data)

    pump(time.time() + seconds)
    if os.waitpid(pid, os.WNOHANG)[0]:
        fail(f"the monitor ended by itself before {how} was pressed", bytes(out))
    if how == "q":
        os.write(master, b"q")
    elif how == "ctrl-c":
        os.write(master, b"\x03")
    else:
        os.kill(pid, signal.SIGTERM)

    status = None
    deadline = time.time() + 5
    while status is None and time.time() < deadline:
        pump(time.time() + 0.1)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        fail(f"still running 5 s after {how}", bytes(out))
    pump(time.time() + 0.3)
    after = termios.tcgetattr(slave)
    out = bytes(out)

    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        fail(f"exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else 'signal %d' % os.WTERMSIG(status)} after {how} (want 0)", out)
    if not out.startswith(b"\x1b[?1049h\x1b[?25l"):
        fail("did not start by switching to the alternate screen and hiding the cursor", out)
    if not out.rstrip(b"\r\n").endswith(b"\x1b[?25h\x1b[?1049l"):
        fail("its last output does not show the cursor and leave the alternate screen", out)
    if after != before:
        changed = [name for name, a, b in zip(("iflag", "oflag", "cflag", "lflag", "ispeed", "ospeed", "cc"), before, after) if a != b]
        fail(f"terminal settings not restored after {how}: {', '.join(changed)} differ", out)
    clears = out.count(b"\x1b[2J")
    if clears != 1:
        fail(f"the screen was cleared {clears} times (want once at the start, then redraws in place)", out)
    frames = [ANSI.sub(b"", f).decode("utf-8", "replace") for f in out.split(b"\x1b[H")[1:]]
    frames = [f for f in frames if "tandem monitor" in f]
    if len(frames) < 3:
        fail(f"only {len(frames)} frames in {seconds} s (want a redraw every interval)", out)
    # What drbdmon shows: each resource with its role, the local disk state, each peer with its
    # connection and role, and the peer's disk state.
    last_frame = frames[-1]
    for what, pattern in (("a resource with its role", r"(?m)^\S+\s+(Primary|Secondary)\b"),
                          ("the local disk state", r"(?m)^  vol \d+\s+(UpToDate|Inconsistent|Outdated|Diskless|DUnknown|Consistent|Failed)\b"),
                          ("a peer's connection and role", r"(?m)^  \S+\s+Connected\s+(Primary|Secondary)\b"),
                          ("the peer's replication and disk state", r"(?m)^    vol \d+\s+\S+\s+peer (UpToDate|Inconsistent|Outdated|Diskless|DUnknown)\b")):
        if not re.search(pattern, last_frame):
            fail(f"the last frame does not show {what}", out)
    bars = [m for m in (BAR.search(f) for f in frames) if m]
    if len(bars) < 2:
        fail(f"{len(bars)} of {len(frames)} frames show a resync bar with percent, rate and ETA", out)
    first, last = float(bars[0].group(3)), float(bars[-1].group(3))
    if not last > first:
        fail(f"the resync percent did not grow across frames ({first}% then {last}%)", out)
    for m in bars:
        cells = len(m.group(1)) + len(m.group(2))
        if cells != 20 or abs(len(m.group(1)) - float(m.group(3)) / 5) > 1:
            fail(f"the bar {m.group(0)!r} does not match its percent", out)
    print(f"frames={len(frames)} bars={len(bars)} first={first}% last={last}% rate={bars[-1].group(4)} eta={bars[-1].group(5)}")


main()
