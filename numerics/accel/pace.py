r"""Pick, as a loop runs, the faster of two interchangeable ways of doing each step.

The fused softmax kernel has a parallel and a serial form with **identical** results.
On an idle machine the parallel form is faster; on a busy one, every step waits for a
second thread that the OS may have descheduled, and the serial form wins by far. Which
one to run is therefore a question of speed alone, answered by timing both.

Examples
--------
>>> pace = FasterOfTwo(window=2, probe_every=3)
>>> choices = []
>>> for step in range(12):
...     use = pace.choice(step)
...     choices.append(use)
...     pace.record(use, 1.0 if use else 5.0)   # option 1 is faster
>>> choices        # the probe of option 0 at step 6 gives up after one step
[0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]
"""

from __future__ import annotations

__all__ = ["FasterOfTwo"]


class FasterOfTwo:
    """Windows of ``window`` steps: one of each option first, then the faster, re-trying the other every ``probe_every`` windows.

    Parameters
    ----------
    window : int
        Steps per window; an option's speed is the median step time of its latest window.
    probe_every : int
        Every this many windows the slower option runs one window again (the load changes).
    give_up : float, default 2
        A step of the running option slower than ``give_up`` times the other's latest median
        switches to the other at once, for the rest of the window (see :meth:`record`).
    """

    def __init__(self, window: int = 25, probe_every: int = 8, give_up: float = 2.0) -> None:
        if window < 1 or probe_every < 2 or not give_up > 1.0:
            raise ValueError(
                f"window, probe_every, give_up: expected >= 1, >= 2 and > 1, got {window}, {probe_every} and {give_up}"
            )
        self.window, self.probe_every, self.give_up = window, probe_every, give_up
        self._latest: list[float | None] = [None, None]
        self._current: list[float] = []
        self._option = 0

    def choice(self, step: int) -> int:
        """The option (0 or 1) to run at ``step`` (steps counted from 0, called in order)."""
        if step % self.window == 0:
            w = step // self.window
            if self._current:
                done = sorted(self._current)
                self._latest[self._option] = done[len(done) // 2]
                self._current = []
            a, b = self._latest
            if a is None or b is None:
                self._option = 0 if a is None else 1
            else:
                faster = 0 if a <= b else 1
                self._option = 1 - faster if w % self.probe_every == 0 else faster
        return self._option

    def record(self, option: int, seconds: float) -> None:
        """The time of the step just run with ``option``.

        A step more than ``give_up`` times slower than the other option's latest median
        ends the window at once: the rest of it runs the other option. On a busy machine a
        parallel step can take 100x a serial one, and a whole window of them costs seconds.
        """
        if option != self._option:
            return
        self._current.append(seconds)
        other = self._latest[1 - option]
        if other is not None and seconds > self.give_up * other:
            self._latest[option] = seconds
            self._current = []
            self._option = 1 - option
