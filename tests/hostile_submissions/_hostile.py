"""Tools of the attacks: find the grader's channel, the current command's nonce, forge messages."""

import json
import os
import sys

MARKER = "@@MARKER@@"
RESULTS = "@@RESULTS@@"
PROJECT = "@@PROJECT@@"
CANARY = "@@CANARY@@"


def config():
    """The child's configuration (it is on its command line), or {}."""
    for arg in sys.argv[1:]:
        try:
            value = json.loads(arg)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def reply_fd():
    return int(config().get("reply_fd", 4))


def command_fd():
    return int(config().get("cmd_fd", 3))


def nonce():
    """The nonce of the command being served, read from the grader's child's own frames."""
    frame = sys._getframe()
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, dict) and "nonce" in value and "cmd" in value:
                return value["nonce"]
        frame = frame.f_back
    return "0"


def send(obj, raw=b""):
    data = (json.dumps(obj) + "\n").encode() + raw
    while data:
        data = data[os.write(reply_fd(), data):]


def try_write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


def forged_results():
    return json.dumps({"score": 100.0, "tests": [], "output": "forged " + MARKER})


def grader_pids():
    """Every process whose command line mentions the grader."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if b"grade" in f.read():
                        out.append(int(name))
            except OSError:
                pass
    return out
