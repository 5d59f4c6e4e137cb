"""Where bench_gui_families' GUI stalls come from: the same runs, with a watchdog thread.

The watchdog wakes every millisecond and records the top frames of every Python thread. A
watchdog wake that comes late means some thread held the GIL (or the process had no core);
the samples around each long GUI tick gap show what the GUI thread was doing (Python code
running = work on the GUI thread; idle in the event loop = waiting for the GIL) and which
worker had just let the GIL go. Diagnostic only, not part of `make bench`.
Run: `python -m benchmarks.stall_probe [family index ...] [--min-ms 20]`.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import threading
import time

from benchmarks import bench_gui_families as families
from benchmarks.gui_support import Ticks, log

DEPTH = 14


def _top(frame, depth: int = DEPTH) -> tuple[str, ...]:
    out = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        out.append(f"{os.path.basename(code.co_filename)}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return tuple(out)


def _schedstat(tid: int) -> tuple[float, float]:
    """(ms on a CPU, ms waiting in the run queue) of one thread of this process."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as file:
            run, wait, _ = file.read().split()
    except OSError:
        return (0.0, 0.0)
    return (int(run) / 1e6, int(wait) / 1e6)


def _all_schedstats() -> dict[int, tuple[float, float]]:
    return {int(t): _schedstat(int(t)) for t in os.listdir("/proc/self/task")}


class Watchdog:
    """Samples every thread's stack each millisecond it gets the GIL; after a late wake, which
    threads were on a CPU meanwhile (/proc schedstat): a late wake with the watchdog itself
    waiting in the run queue is the OS, not the GIL."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float, dict[int, tuple[str, ...]]]] = []
        self.cpu: list[tuple[float, float, float, dict[int, tuple[float, float]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-watchdog", daemon=True)
        self.gui = threading.main_thread().ident
        self.native = 0  # the watchdog's own thread id (set when it runs)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        native = self.native = threading.get_native_id()
        last = time.perf_counter()
        before = _all_schedstats()
        n = 0
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            frames = sys._current_frames()
            stacks = {tid: _top(f) for tid, f in frames.items() if tid != me}
            gap = (now - last) * 1000
            self.samples.append((now, gap, stacks))
            n += 1
            if gap > 15:
                after = _all_schedstats()
                delta = {
                    t: (a[0] - before.get(t, (0, 0))[0], a[1] - before.get(t, (0, 0))[1])
                    for t, a in after.items()
                }
                self.cpu.append((now, gap, float(native), delta))
                before = after
            elif n % 10 == 0:
                before = _all_schedstats()
            last = now


def _report(ticks: list[float], dog: Watchdog, min_ms: float) -> None:
    names = {t.ident: t.name for t in threading.enumerate()}
    for a, b in itertools.pairwise(ticks):
        gap = (b - a) * 1000
        if gap < min_ms:
            continue
        inside = [s for s in dog.samples if a - 0.002 <= s[0] <= b + 0.003]
        late = max((s[1] for s in inside), default=float("nan"))
        print(f"\n=== GUI gap {gap:.0f} ms at {a - ticks[0]:.2f} s; watchdog max gap {late:.0f} ms")
        gui_stacks: dict[tuple[str, ...], int] = {}
        for _t, _g, stacks in inside:
            st = stacks.get(dog.gui, ())
            gui_stacks[st[:8]] = gui_stacks.get(st[:8], 0) + 1
        for st, n in sorted(gui_stacks.items(), key=lambda x: -x[1])[:4]:
            print(f"  GUI x{n}: " + " < ".join(st))
        native_names = {t.native_id: t.name for t in threading.enumerate()}
        native_names[threading.main_thread().native_id] = "GUI"
        native_names[dog.native] = "watchdog"
        for t, g, me, delta in dog.cpu:
            if a - 0.002 <= t <= b + 0.003:
                busy = ", ".join(
                    f"{native_names.get(tid, tid)} cpu {r:.0f} runq {w:.0f}"
                    for tid, (r, w) in sorted(delta.items(), key=lambda x: -x[1][0])
                    if r > 1 or tid == me or native_names.get(tid) == "GUI"
                )
                print(f"  watchdog {g:.0f} ms late (since <=10 ms before): {busy}")
        # The sample right after the longest watchdog gap: who had the GIL.
        if inside:
            t, g, stacks = max(inside, key=lambda s: s[1])
            print(f"  after the watchdog's {g:.0f} ms wait, at {t - ticks[0]:.3f} s:")
            for tid, st in stacks.items():
                if tid == dog.gui or not st:
                    continue
                if st[0].startswith(("thread.py:_worker", "threading.py:wait")):
                    continue  # an idle pool thread
                print(f"    {names.get(tid, tid)}: " + " < ".join(st[:9]))


def _summary(dog: Watchdog) -> None:
    """Each late watchdog wake (> 15 ms) as CPU starvation (it waited in the run queue most of
    the time) or a GIL hold (it was runnable but did not get the GIL)."""
    starved, held = [], []
    for _t, gap, me, delta in dog.cpu:
        waited = delta.get(int(me), (0.0, 0.0))[1]
        (starved if waited >= 0.6 * gap else held).append(gap)
    print(
        f"  late watchdog wakes > 15 ms: {len(starved)} CPU starvation (max "
        f"{max(starved, default=0):.0f} ms), {len(held)} GIL or other (max "
        f"{max(held, default=0):.0f} ms)"
    )


class GcPauses:
    """Every garbage collection over 5 ms: when, which generation, on which thread (a full
    collection holds the GIL throughout, on whichever thread triggered it)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int, str]] = []
        self._started: dict[int, float] = {}

    def __call__(self, phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started[threading.get_ident()] = now
            return
        began = self._started.pop(threading.get_ident(), now)
        if now - began > 0.005:
            name = threading.current_thread().name
            self.pauses.append((began, (now - began) * 1000, info["generation"], name))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="*", type=int)
    parser.add_argument("--min-ms", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["SHAPLENS_NO_CACHE"] = "1"
    from PySide6.QtWidgets import QApplication

    from app.ui.heap import collect_on_gui_thread

    app = QApplication.instance() or QApplication([])
    collect_on_gui_thread(app)  # as the app and bench_gui_families do
    chosen = families.fixtures()
    if args.which:
        chosen = [chosen[i] for i in args.which]
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    original_stop = Ticks.stop
    for label, model_path, data_path in chosen:
        log(f"probing {label}")
        dog = Watchdog()
        kept: dict[str, list[float]] = {}

        def stop(self, kept=kept, dog=dog):
            kept["ticks"] = list(self.times)
            dog.stop()
            return original_stop(self)

        original_start = Ticks.start

        def start(self, dog=dog, original_start=original_start):
            original_start(self)
            dog.start()

        Ticks.stop, Ticks.start = stop, start
        try:
            gaps, seconds, explainer = families._stall(app, model_path, data_path)
        finally:
            Ticks.stop, Ticks.start = original_stop, original_start
        print(f"\n##### {label}: worst {gaps.max():.0f} ms, {seconds:.1f} s, {explainer}")
        _report(kept["ticks"], dog, args.min_ms)
        _summary(dog)
        first, last = kept["ticks"][0], kept["ticks"][-1]
        for began, ms, generation, name in pauses.pauses:
            if first <= began <= last:
                print(f"  gc gen {generation} on {name}: {ms:.0f} ms at {began - first:.2f} s")
        pauses.pauses.clear()


if __name__ == "__main__":
    main()
