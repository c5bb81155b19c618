"""Entry point: runs a command and maps the project's errors to exit codes (2 bad input, 1 internal).

The two commands benchmarked for start time (`fabric plan ... --json`, `export fabric ... --format simai`) take a
lean path when their arguments are plain (aifabric/cli/fast.py): the same spec flags and core calls without
importing typer, whose parameter machinery costs more than the work. Anything else goes through the typer app.
"""

from __future__ import annotations

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

    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    try:
        from aifabric.cli.fast import run_fast

        if not run_fast(args):
            from aifabric.cli.app import app

            app(args=args, standalone_mode=False)
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


if __name__ == "__main__":
    run()
