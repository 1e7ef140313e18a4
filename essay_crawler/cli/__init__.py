"""``essay-crawler`` command line. Each subcommand lives in its own module with
``add_parser(subparsers)`` and ``run(args) -> int``; modules import Scrapy only inside ``run``.

Every command ends the same way: a mistake in the command (arguments, profile, start URL, state)
is one ``error: …`` line and exit status 2; an interruption is one line and status 3; a reader that
goes away (``… | head``) ends output quietly while the command finishes its files.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from essay_crawler import __version__

SUBCOMMANDS = ("clean", "corpus", "crawl", "scrape", "demo", "sites", "export", "report", "fleet", "reclean")
#: Commands that run a crawl: SIGINT/SIGTERM stay held until Scrapy handles them (see HeldSignals).
CRAWLING = ("crawl", "scrape", "demo")

#: Exit statuses, the same for every command.
EXIT_OK = 0
EXIT_FAILED = 1  # the command ran, but something it reports failed (alerts, unreadable files, no records)
EXIT_USAGE = 2  # the command could not start: bad arguments, profile, start URL or state
EXIT_INTERRUPTED = 3  # SIGINT/SIGTERM; a crawl is resumed by running the same command again


class CommandError(Exception):
    """A mistake in the command line or its inputs: printed as one ``error:`` line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as :class:`CommandError` (one line) instead of usage text."""

    def error(self, message: str):
        raise CommandError(f"{message} (see {self.prog} --help)")


def number_in(text: str, kind, low: float, high: float, what: str):
    """``text`` as a ``kind`` (int or float) from ``low`` to ``high``, else an argparse error naming
    ``what`` it must be (nan and infinities are never in range)."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    return number_in(text, int, 1, float("inf"), "a whole number of at least 1")


def seconds(text: str) -> float:
    """argparse type: a number of seconds, 0 or more."""
    return number_in(text, float, 0.0, sys.float_info.max, "a number of seconds (0 or more)")


def rate(text: str) -> float:
    """argparse type: a rate from 0 to 1."""
    return number_in(text, float, 0.0, 1.0, "a rate from 0 to 1")


def similarity(text: str) -> float:
    """argparse type: a near-duplicate Jaccard threshold above 0 that the MinHash index can hold
    (with at least two bands: up to about 0.99)."""
    value = number_in(text, float, 1e-9, 1.0, "a similarity above 0 and at most 1")
    from pipelines.dedup import DEFAULT_NUM_PERM, lsh_shape

    try:
        lsh_shape(value, DEFAULT_NUM_PERM)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is too close to 1 for the MinHash index "
                                         "(it needs two bands or more: at most about 0.99)") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="essay-crawler",
                    description="Crawl Chinese essay (范文) sites into clean, numbered, deduplicated JSONL.")
    parser.add_argument("--version", action="version", version=f"essay-crawler {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"essay_crawler.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"essay_crawler.cli.{name}":
                raise
            continue
        module.add_parser(sub).set_defaults(run=module.run)
    return parser


class HeldSignals:
    """SIGINT/SIGTERM arriving while a command starts up are held: a KeyboardInterrupt raised in the
    middle of an import or of Twisted's start-up can be swallowed there and leave the process running.
    A crawl sends them again once Scrapy has installed its own handlers (after the reactor's start-up);
    any other command gets them as a KeyboardInterrupt when it starts (:meth:`release`)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.held: list[int] = []
        self.previous = {signum: signal.signal(signum, self.hold) for signum in self.SIGNALS
                         if signal.getsignal(signum) is not signal.SIG_IGN}  # ignored stays ignored

    def hold(self, signum, _frame) -> None:
        self.held.append(signum)

    def resend_after_startup(self) -> None:
        """Once the reactor has started (and Scrapy's handlers are in), send the held signals again."""
        from twisted.internet import reactor

        # Twisted declares interface methods without ``self`` (zope.interface), so without the
        # mypy-zope plugin mypy takes "after" as self and checks "startup" against ``callable``.
        reactor.addSystemEventTrigger("after", "startup", reactor.callLater, 0, self.resend)  # type: ignore[arg-type]

    def resend(self) -> None:
        while self.held:
            os.kill(os.getpid(), self.held.pop(0))

    def release(self) -> None:
        """The handlers as they were (also after a crawl: Scrapy's need a running reactor); a signal
        held meanwhile is a KeyboardInterrupt now."""
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        if self.held:
            self.held.clear()
            raise KeyboardInterrupt


class QuietPipe:
    """A stream that, once its reader has gone (EPIPE), discards what is written instead of failing."""

    def __init__(self, stream):
        self._stream = stream

    @property
    def buffer(self) -> QuietPipe:
        """The binary stream under a text one, quiet the same way."""
        return QuietPipe(self._stream.buffer)

    def write(self, data):
        try:
            return self._stream.write(data)
        except BrokenPipeError:
            self._discard()
            return len(data)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    held = HeldSignals()
    sys.stdout = QuietPipe(sys.stdout)
    try:
        return run_command(argv, held)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run_command(argv: list[str] | None, held: HeldSignals) -> int:
    """Parse and run one command; a :class:`CommandError` or a bad profile is its one error line."""
    from pipelines.profiles import ProfileError

    try:
        args = build_parser().parse_args(argv)
        args.held_signals = held
        if args.command not in CRAWLING:
            held.release()
        return args.run(args)
    except (CommandError, ProfileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
