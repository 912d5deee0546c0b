r"""The pickle virtual machine behind :func:`~numerics.data.safe_pickle.load_pickle`.

One branch per opcode of protocols 0-5. Every length prefix is checked against
the bytes left before anything is sliced or decoded; the memo is a dict; marks
and operations are capped; every object made is charged to a memory budget
before it is made; a global resolves only to the caller's table, and REDUCE /
BUILD call only the caller's :class:`Constructor` functions and builders.
Malformed input raises :class:`PickleFail` (or :class:`PickleRefused` for a
well-formed request this reader does not serve), which ``load_pickle`` turns
into an error naming the file.

>>> PickleMachine(b"\x80\x02K\x07.", "f", {}, {}, PickleLimits()).run()
7
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from numerics.data.errors import DataFormatError, UnsafePickleError

__all__ = ["Constructor", "Token", "PickleLimits", "PickleFail", "PickleRefused", "PickleMachine"]

Charge = Callable[[int], None]


@dataclass(frozen=True)
class Constructor:
    """A global a pickle may call with REDUCE: ``func(charge, *args)``.

    ``func`` checks its arguments (raising ``ValueError`` or ``TypeError`` with a
    message saying what was expected) and calls ``charge(n)`` with the bytes it
    is about to allocate *before* allocating them.
    """

    name: str
    func: Callable[..., Any]


@dataclass(frozen=True)
class Token:
    """A global a pickle may name but never call (e.g. ``numpy.ndarray``, passed to ``_reconstruct``)."""

    name: str


@dataclass(frozen=True)
class PickleLimits:
    """Caps of :func:`load_pickle`; the defaults fit every official CIFAR-10 file with room to spare."""

    max_ops: int = 2_000_000  # an official 10,000-image batch needs about 60,000; 50,000 re-pickled by Python 3, 450,000
    max_marks: int = 64
    max_depth: int = 32
    budget_factor: int = 4  # memory budget: budget_factor * file size + budget_extra
    budget_extra: int = 4 << 20
    max_int_bytes: int = 64
    max_line: int = 256


_NO_ARG_CODE = {b"P": "PERSID", b"Q": "BINPERSID", b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER"}
_REFUSED_CODE = {b"\x81": "NEWOBJ", b"\x92": "NEWOBJ_EX", b"\x8f": "EMPTY_SET", b"\x90": "ADDITEMS", b"\x91": "FROZENSET"}
_EXT = {b"\x82": ("EXT1", 1), b"\x83": ("EXT2", 2), b"\x84": ("EXT4", 4)}
_SCALAR_KEYS = (str, bytes, int, float, type(None))
_NUMBER_ARG = {  # opcode: (struct format or None for a text line, name, what to do with the number)
    b"J": ("<i", "BININT", "push"), b"K": ("<B", "BININT1", "push"), b"M": ("<H", "BININT2", "push"),
    b"\x8a": ("<B", "LONG1", "push_long"), b"\x8b": ("<i", "LONG4", "push_long"),
    b"g": (None, "GET", "memo_get"), b"h": ("<B", "BINGET", "memo_get"), b"j": ("<I", "LONG_BINGET", "memo_get"),
    b"p": (None, "PUT", "memo_put"), b"q": ("<B", "BINPUT", "memo_put"), b"r": ("<I", "LONG_BINPUT", "memo_put"),
}


class PickleFail(Exception):
    """A malformed pickle; the message is completed with the file and byte offset."""


class PickleRefused(PickleFail):
    """A well-formed pickle asking for something this reader does not build."""


class PickleMachine:
    """Runs one pickle held in memory; :meth:`run` returns its value."""

    def __init__(self, raw: bytes, path: str, globals_: Mapping[tuple[str, str], Any],
                 builders: Mapping[type, Callable[..., None]], limits: PickleLimits) -> None:
        self.raw, self.view, self.path, self.pos = raw, memoryview(raw), path, 0
        self.globals, self.builders, self.limits = globals_, builders, limits
        self.budget = limits.budget_factor * len(raw) + limits.budget_extra
        self.spent = 0
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}

    # ---------------------------------------------------------------- reading
    def charge(self, n: int) -> None:
        self.spent += n
        if self.spent > self.budget:
            raise DataFormatError(
                f"{self.path}: refused: unpickling would take more than {self.budget} bytes of memory "
                f"({self.limits.budget_factor} times the file's {len(self.raw)} bytes plus "
                f"{self.limits.budget_extra >> 20} MiB); the file repeats or inflates its contents")

    def take(self, n: int, what: str) -> memoryview:
        left = len(self.raw) - self.pos
        if n < 0 or n > left:
            raise PickleFail(f"{what} declares {n} bytes but only {left} remain")
        out = self.view[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> int:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]  # type: ignore[no-any-return]

    def line(self, what: str, limit: int | None = None) -> bytes:
        end = self.raw.find(b"\n", self.pos, None if limit is None else self.pos + limit + 1)
        if end < 0:
            raise PickleFail(f"{what}: no end of line" + ("" if limit is None else f" within {limit} bytes"))
        out, self.pos = self.raw[self.pos:end], end + 1
        return out

    def number_line(self, what: str) -> str:
        text = self.line(what, self.limits.max_line).decode("ascii", "replace").strip()
        if len(text) > self.limits.max_int_bytes * 3:
            raise PickleFail(f"{what}: a number of {len(text)} characters")
        return text

    def binary(self, n: int, kind: type) -> Any:
        data = self.take(n, kind.__name__)
        self.charge(n + 64)
        if kind is str:
            return str(data, "utf-8", "surrogatepass")
        return kind(data)

    def push_long(self, n: int) -> None:
        if n > self.limits.max_int_bytes:
            raise PickleRefused(f"an integer of {n} bytes (at most {self.limits.max_int_bytes} allowed)")
        self.push(int.from_bytes(self.take(n, "LONG"), "little", signed=True))

    # ---------------------------------------------------------------- stack
    def push(self, obj: Any) -> None:
        self.charge(8)
        self.stack.append(obj)

    def pop(self) -> Any:
        if not self.stack:
            raise PickleFail("stack underflow")
        return self.stack.pop()

    def top(self) -> Any:
        if not self.stack:
            raise PickleFail("stack underflow")
        return self.stack[-1]

    def mark(self) -> None:
        if len(self.metastack) >= self.limits.max_marks:
            raise PickleRefused(f"more than {self.limits.max_marks} nested marks")
        self.metastack.append(self.stack)
        self.stack = []

    def pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise PickleFail("no mark to pop")
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def container(self, obj: Any, n_items: int) -> None:
        self.charge(64 + 8 * n_items)
        self.push(obj)

    def set_items(self, target: Any, items: list[Any]) -> None:
        if not isinstance(target, dict):
            raise PickleFail(f"SETITEM(S) on a {type(target).__name__}, not a dict")
        if len(items) % 2:
            raise PickleFail("odd number of items for a dict")
        for key, value in zip(items[::2], items[1::2]):
            if not isinstance(key, _SCALAR_KEYS):
                raise PickleRefused(f"a dict key of type {type(key).__name__} (only str, bytes and numbers are allowed)")
            self.charge(48)
            target[key] = value

    def memo_put(self, index: int) -> None:
        self.charge(96)
        self.memo[index] = self.top()

    def memo_get(self, index: int) -> None:
        if index not in self.memo:
            raise PickleFail(f"memo index {index} was never stored")
        self.push(self.memo[index])

    # ---------------------------------------------------------------- globals
    def resolve(self, module: str, name: str) -> Any:
        try:
            return self.globals[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in self.globals) or "none"
            raise UnsafePickleError(
                f"{self.path}: refused to load the global '{module}.{name}' from this pickle; this file may "
                f"name only {allowed}. The file is not what it claims to be and may be malicious: nothing "
                f"from it was run.") from None

    def reduce(self) -> None:
        args, func = self.pop(), self.pop()
        if not isinstance(func, Constructor):
            what = func.name if isinstance(func, Token) else f"a {type(func).__name__}"
            raise UnsafePickleError(
                f"{self.path}: refused to call {what} (pickle byte {self.pos - 1}); only "
                f"the file format's own constructors may be called: nothing from it was run.")
        if not isinstance(args, tuple):
            raise PickleFail(f"REDUCE arguments must be a tuple, got {type(args).__name__}")
        try:
            self.push(func.func(self.charge, *args))
        except (ValueError, TypeError) as exc:
            raise PickleRefused(f"{func.name}: {exc}") from None

    def build(self) -> None:
        state, inst = self.pop(), self.top()
        builder = self.builders.get(type(inst))
        if builder is None:
            raise PickleRefused(f"BUILD on a {type(inst).__name__}, which this file format never sets state on")
        try:
            builder(self.charge, inst, state)
        except (ValueError, TypeError) as exc:
            raise PickleRefused(f"setting the state of a {type(inst).__name__}: {exc}") from None

    # ---------------------------------------------------------------- the loop
    def run(self) -> Any:  # noqa: C901  (one branch per opcode reads best as one table)
        ops = 0
        while True:
            ops += 1
            if ops > self.limits.max_ops:
                raise DataFormatError(f"{self.path}: refused: more than {self.limits.max_ops} pickle operations")
            if self.pos >= len(self.raw):
                raise PickleFail("the file ends before the pickle does (no STOP opcode)")
            code = self.raw[self.pos:self.pos + 1]
            self.pos += 1
            if code == b".":
                value = self.pop()
                if self.pos != len(self.raw):
                    raise PickleFail(f"{len(self.raw) - self.pos} bytes after the end of the pickle")
                return value
            elif code in _NUMBER_ARG:
                fmt, name, action = _NUMBER_ARG[code]
                getattr(self, action)(self.unpack(fmt, name) if fmt else int(self.number_line(name)))
            elif code == b"(":
                self.mark()
            elif code == b"0":
                self.pop() if self.stack else self.pop_mark()
            elif code == b"1":
                self.pop_mark()
            elif code == b"2":
                self.push(self.top())
            elif code in (b"N", b"\x88", b"\x89"):
                self.push({b"N": None, b"\x88": True, b"\x89": False}[code])
            elif code == b"I":
                text = self.number_line("INT")
                self.push(False if text == "00" else True if text == "01" else int(text))
            elif code == b"L":
                self.push(int(self.number_line("LONG").rstrip("L")))
            elif code == b"F":
                self.push(float(self.number_line("FLOAT")))
            elif code == b"G":
                self.push(struct.unpack(">d", self.take(8, "BINFLOAT"))[0])
            elif code == b"S":
                text = self.line("STRING")
                if len(text) < 2 or text[:1] != text[-1:] or text[:1] not in (b"'", b'"'):
                    raise PickleFail("STRING argument is not a quoted string")
                self.charge(len(text) + 64)
                self.push(codecs.escape_decode(text[1:-1])[0])
            elif code == b"V":
                text = self.line("UNICODE")
                self.charge(4 * len(text) + 64)
                self.push(str(text, "raw-unicode-escape"))
            elif code in (b"T", b"B", b"X", b"U", b"C", b"\x8c", b"\x8d", b"\x8e", b"\x96"):
                fmt, kind = {b"T": ("<i", bytes), b"B": ("<I", bytes), b"X": ("<I", str), b"U": ("<B", bytes),
                             b"C": ("<B", bytes), b"\x8c": ("<B", str), b"\x8d": ("<Q", str),
                             b"\x8e": ("<Q", bytes), b"\x96": ("<Q", bytearray)}[code]
                n = self.unpack(fmt, "length")
                self.push(self.binary(n, kind))
            elif code == b"]":
                self.container([], 0)
            elif code == b"}":
                self.container({}, 0)
            elif code == b")":
                self.container((), 0)
            elif code == b"l":
                items = self.pop_mark()
                self.container(items, len(items))
            elif code == b"t":
                items = self.pop_mark()
                self.container(tuple(items), len(items))
            elif code in (b"\x85", b"\x86", b"\x87"):
                n = code[0] - 0x84
                if len(self.stack) < n:
                    raise PickleFail("stack underflow")
                items = tuple(self.stack[-n:])
                del self.stack[-n:]
                self.container(items, n)
            elif code == b"d":
                target: dict[Any, Any] = {}
                self.set_items(target, self.pop_mark())
                self.container(target, 0)
            elif code == b"a":
                value = self.pop()
                self.append(self.top(), [value])
            elif code == b"e":
                items = self.pop_mark()
                self.append(self.top(), items)
            elif code == b"s":
                value, key = self.pop(), self.pop()
                self.set_items(self.top(), [key, value])
            elif code == b"u":
                items = self.pop_mark()
                self.set_items(self.top(), items)
            elif code == b"\x94":
                self.memo_put(len(self.memo))
            elif code == b"c":
                module = self.line("GLOBAL module", self.limits.max_line).decode("utf-8", "replace")
                name = self.line("GLOBAL name", self.limits.max_line).decode("utf-8", "replace")
                self.push(self.resolve(module, name))
            elif code == b"\x93":
                name, module = self.pop(), self.pop()
                if not (isinstance(module, str) and isinstance(name, str)):
                    raise PickleFail("STACK_GLOBAL needs two strings")
                self.push(self.resolve(module, name))
            elif code == b"i":
                module = self.line("INST module", self.limits.max_line).decode("utf-8", "replace")
                name = self.line("INST name", self.limits.max_line).decode("utf-8", "replace")
                self.resolve(module, name)
                raise UnsafePickleError(f"{self.path}: refused the INST opcode (instantiates a class); nothing from it was run.")
            elif code == b"o":
                self.pop_mark()
                raise UnsafePickleError(f"{self.path}: refused the OBJ opcode (instantiates a class); nothing from it was run.")
            elif code == b"R":
                self.reduce()
            elif code == b"b":
                self.build()
            elif code == b"\x80":
                proto = self.unpack("<B", "PROTO")
                if proto > 5:
                    raise PickleFail(f"unsupported pickle protocol {proto}")
            elif code == b"\x95":
                size = self.unpack("<Q", "FRAME")  # frames only group opcodes; their size must fit the file
                if size > len(self.raw) - self.pos:
                    raise PickleFail(f"FRAME declares {size} bytes but only {len(self.raw) - self.pos} remain")
            elif code in _EXT:
                name, size = _EXT[code]
                ext = self.unpack({1: "<B", 2: "<H", 4: "<i"}[size], name)
                raise UnsafePickleError(f"{self.path}: refused to load the global with extension code {ext} ({name}); "
                                        f"nothing from it was run.")
            elif code in _NO_ARG_CODE:
                raise PickleRefused(f"{_NO_ARG_CODE[code]}: persistent ids and out-of-band buffers are not used by data files")
            elif code in _REFUSED_CODE:
                raise PickleRefused(f"the {_REFUSED_CODE[code]} opcode, which this data format never uses")
            else:
                raise PickleFail(f"unknown opcode {code!r}")

    def append(self, target: Any, items: list[Any]) -> None:
        if not isinstance(target, list):
            raise PickleFail(f"APPEND(S) on a {type(target).__name__}, not a list")
        self.charge(8 * len(items))
        target.extend(items)
