"""Entry point: runs a command and maps the project's errors to exit codes (2 bad input, 1 internal).

The two commands benchmarked for start time (`fabric plan ... --json`, `export fabric ... --format simai`) take a
lean path when their arguments are plain (aifabric/cli/fast.py): the same spec flags and core calls without
importing typer, whose parameter machinery costs more than the work. Anything else goes through the typer app.
"""

from __future__ import annotations

import os
import sys


def __getattr__(name: str):
    """Return the typer app on first use (`from aifabric.cli.main import app`), so importing run stays lean."""
    if name == "app":
        from aifabric.cli.app import app

        return app
    raise AttributeError(name)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; exit 2 with a one-line message on bad input, 1 with a traceback on an internal error."""
    from aifabric.errors import AifabricError

    global _lean_done
    _lean_done = False
    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    try:
        from aifabric.cli.fast import run_fast

        _lean_done = run_fast(args)
        if not _lean_done:
            from aifabric.cli.app import app

            # Without standalone mode click returns a command's typer.Exit code (netbox diff: 1 when it differs).
            code = app(args=args, standalone_mode=False)
            if isinstance(code, int) and code:
                sys.exit(code)
    except AifabricError as exc:
        sys.stderr.write(f"error: {exc.message}\n" if "\n" not in exc.message else _many(exc.message))
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        import typer

        if isinstance(exc, typer.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, typer.Abort):
            sys.stderr.write("aborted\n")
            sys.exit(130)
        # Click's usage errors (typer may vendor its own click, so match by shape): one line, exit 2.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message = " ".join(str(exc.format_message()).split())
            if not message:
                # A bare group (`aifabric`, `aifabric fabric`): click has printed its help; no empty error line.
                sys.exit(0)
            sys.stderr.write(f"error: command line: {message}\n")
            sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
        raise
    sys.exit(0)


def _many(message: str) -> str:
    return "".join(f"error: {line}\n" for line in message.splitlines())


_lean_done = False  # run() finished a command on the lean path


def main() -> None:
    """The process entry point (`aifabric`, `python -m aifabric`): run(), and end a process whose lean command
    succeeded at once.

    Tearing the interpreter down (clearing every module of numpy, pydantic and aifabric, a last garbage collection)
    costs ≈20-30 ms of a lean command that takes ≈0.4 s, and frees nothing the operating system does not free
    anyway: the lean path starts no thread, registers no atexit handler and has closed the files it wrote, so once
    stdout and stderr are flushed there is nothing left to do. Any other ending (an error, the typer app, a flush
    that fails) takes Python's ordinary exit, with its messages and exit code.
    """
    try:
        run()
    except SystemExit as exc:
        if exc.code == 0 and _lean_done:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - e.g. a closed pipe: Python's exit reports it as it always did
                raise exc from None
            os._exit(0)
        raise


if __name__ == "__main__":
    main()
