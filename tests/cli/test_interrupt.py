"""The Ctrl+C flag of long commands: it lands even where a library would swallow the interrupt,
and waits out a step that must not be torn in half."""

from __future__ import annotations

import os
import signal

import pytest

from app.commands._interrupt import interruptible


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_raises_at_once_and_sets_the_flag() -> None:
    with interruptible() as flag, pytest.raises(KeyboardInterrupt):
        ctrl_c()
        sum(range(10))  # a few bytecodes for the handler to run
    assert flag.is_set()


def test_a_swallowed_interrupt_is_still_seen_by_the_flag() -> None:
    with interruptible() as flag:
        try:  # a library's broad except that eats KeyboardInterrupt
            ctrl_c()
            sum(range(10))
        except BaseException:
            pass
        assert flag.is_set()
        with pytest.raises(KeyboardInterrupt):
            flag.check()


def test_deferred_step_finishes_then_raises() -> None:
    finished = []
    with interruptible() as flag, pytest.raises(KeyboardInterrupt), flag.deferred():
        ctrl_c()
        sum(range(10))
        finished.append(True)  # reached: the interrupt waited for the step's end
    assert finished == [True]


def test_the_previous_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with interruptible():
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before


def test_an_inherited_ignore_is_respected() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interruptible() as flag:
            ctrl_c()
            sum(range(10))
        assert not flag.is_set()
    finally:
        signal.signal(signal.SIGINT, previous)
