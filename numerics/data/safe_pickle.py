r"""A bounded pickle reader for data files: nothing runs, nothing unbounded is allocated.

:func:`load_pickle` is a pickle virtual machine of its own (protocols 0-5) rather
than :class:`pickle.Unpickler` with a restricted ``find_class``: the standard
unpickler keeps its memo in an array indexed by a number the file chooses (a
9-byte file can make it allocate gigabytes), trusts the length prefixes of
strings, and calls whatever an allowed global returns. Here

* a global is only ever one of the caller's :class:`Constructor` objects, each a
  function of ours that checks its arguments; nothing is imported or looked up;
* every length prefix is checked against the bytes left in the file before
  anything is sliced or decoded;
* the memo is a dict (a huge index costs nothing), the mark stack is at most
  :attr:`PickleLimits.max_marks` deep, the opcode count is capped, and every
  object made is charged to a memory budget that is a small multiple of the
  file's size;
* the result is checked without recursion: containers at most
  :attr:`PickleLimits.max_depth` deep, no cycles, dict keys scalars only.

Examples
--------
>>> import pickle
>>> load_pickle(pickle.dumps({b"labels": [1, 2], "name": "x"}, protocol=4), "ok", globals_={}, builders={})
{b'labels': [1, 2], 'name': 'x'}
>>> load_pickle(pickle.dumps(print), "evil", globals_={}, builders={})
Traceback (most recent call last):
...
numerics.data.errors.UnsafePickleError: evil: refused to load the global 'builtins.print' ...
"""

from __future__ import annotations

import struct
from typing import Any, Callable, Mapping

from numerics.data.errors import DataFormatError
from numerics.data.pickle_vm import Constructor, PickleFail, PickleLimits, PickleMachine, PickleRefused, Token

__all__ = ["Constructor", "Token", "PickleLimits", "load_pickle"]


def _check_nesting(obj: Any, max_depth: int) -> None:
    """Refuse containers nested deeper than ``max_depth`` or holding themselves, without recursing."""
    done: set[int] = set()
    active: set[int] = set()
    frames: list[Any] = []

    def enter(node: Any) -> None:
        if len(frames) >= max_depth:
            raise PickleRefused(f"containers nested more than {max_depth} deep")
        active.add(id(node))
        frames.append((node, iter(node.values() if isinstance(node, dict) else node)))

    if isinstance(obj, (list, tuple, dict)):
        enter(obj)
    while frames:
        node, children = frames[-1]
        for child in children:
            if isinstance(child, (list, tuple, dict)) and id(child) not in done:
                if id(child) in active:
                    raise PickleRefused("a container that contains itself")
                enter(child)
                break
        else:
            frames.pop()
            active.discard(id(node))
            done.add(id(node))


def load_pickle(raw: bytes, path: str, *, globals_: Mapping[tuple[str, str], Any],
                builders: Mapping[type, Callable[..., None]], limits: PickleLimits = PickleLimits()) -> Any:
    """Unpickle ``raw`` with only the given globals and within :class:`PickleLimits`.

    Parameters
    ----------
    raw : bytes
        The whole file (its size sets the memory budget).
    path : str
        The file's name, quoted in every error.
    globals_ : mapping of (module, name) to Constructor or any value
        What GLOBAL / STACK_GLOBAL may name. A :class:`Constructor` may be called
        by REDUCE; any other value is only data (e.g. a class passed to a constructor).
    builders : mapping of type to ``f(charge, obj, state)``
        The only types BUILD may set state on.
    limits : PickleLimits

    Raises
    ------
    UnsafePickleError
        A global outside ``globals_``, a call of something that is not a
        Constructor, or an opcode that instantiates classes or uses extension
        codes. Nothing from the file was run.
    DataFormatError
        Anything else malformed or over a limit; the message names the file and
        the byte offset.
    """
    machine = PickleMachine(raw, path, globals_, builders, limits)
    try:
        value = machine.run()
        _check_nesting(value, limits.max_depth)
        return value
    except DataFormatError:
        raise
    except PickleRefused as exc:
        raise DataFormatError(f"{path}: refused: {exc} (pickle byte {machine.pos}); a data file needs nothing of the "
                              f"kind, so this one is malformed or malicious") from None
    except PickleFail as exc:
        raise DataFormatError(f"{path}: not a readable pickle: {exc} (at byte {machine.pos}); truncated or corrupt?") from None
    except (ValueError, TypeError, OverflowError, UnicodeError, struct.error, MemoryError, RecursionError) as exc:
        raise DataFormatError(f"{path}: not a readable pickle ({type(exc).__name__}: {str(exc)[:200]}, at byte "
                              f"{machine.pos}); truncated or corrupt?") from None
    except Exception as exc:  # a case the machine does not foresee: still this file's error, never a traceback
        raise DataFormatError(f"{path}: could not read this pickle ({type(exc).__name__} at byte {machine.pos}: "
                              f"{str(exc)[:200]}); it is not a plain data file. If the file is genuine, please "
                              f"report this as a bug of gradproof.") from None
