"""The live NetBox the tests push into: the one `scripts/netbox.sh up` (make netbox-up, .ci/run) serves.

Its URL and token come from $NETBOX_URL / $NETBOX_TOKEN, else from the state directory (.netbox/url, .netbox/token;
the token file is read, never printed). In CI (CI=true) the live tests wait for NetBox (bounded: the install and
migrations started by .ci/run may still run) and FAIL when it never answers; elsewhere they skip with a plain
message when no NetBox answers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("NETBOX_STATE", ROOT / ".netbox"))
DEFAULT_URL = f"http://127.0.0.1:{os.environ.get('NETBOX_PORT', '8765')}"
# CI starts NetBox in the background before the tests: a first install and migration take ~5-10 min on 2 cores.
CI_WAIT_S = float(os.environ.get("NETBOX_WAIT_S", "2400"))
SKIPPED: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _credentials() -> tuple[str, str | None]:
    url = os.environ.get("NETBOX_URL") or (
        (STATE / "url").read_text().strip() if (STATE / "url").exists() else DEFAULT_URL)
    token = os.environ.get("NETBOX_TOKEN")
    if not token and (STATE / "token").exists():
        token = (STATE / "token").read_text().strip() or None
    return url, token


def _answers(url: str, token: str | None) -> str | None:
    """Return None when NetBox answers with the token, else why not."""
    if not token:
        return f"no API token (set NETBOX_TOKEN or run `make netbox-up`, which writes {STATE}/token)"
    from aifabric.errors import NetboxError
    from aifabric.netbox.client import NetboxClient

    client = NetboxClient(url, token, timeout_s=10)
    try:
        client.status()
        return None
    except NetboxError as exc:
        return str(exc)
    finally:
        client.close()


def _starting() -> bool:
    """Return True while a `scripts/netbox.sh up` is still installing or migrating."""
    pid_file = STATE / "up.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="session")
def netbox():
    """Return (url, token) of a NetBox that answers; skip (outside CI) or fail (CI) when none does."""
    url, token = _credentials()
    why = _answers(url, token)
    if why is None:
        return url, token
    if not _in_ci():
        if _starting():
            why = f"{why}; `scripts/netbox.sh up` is still installing or migrating"
        message = f"live NetBox tests skipped: no NetBox reachable at {url} ({why}); `make netbox-up` starts one"
        SKIPPED.append(message)
        pytest.skip(message)
    deadline = time.monotonic() + CI_WAIT_S
    while time.monotonic() < deadline:
        url, token = _credentials()
        why = _answers(url, token)
        if why is None:
            return url, token
        if not _starting() and not (STATE / "ready").exists() and (STATE / "up.failed").exists():
            break
        time.sleep(5)
    log = STATE / "up.log"
    tail = log.read_text()[-2000:] if log.exists() else ""
    pytest.fail(f"CI: NetBox never answered at {url} ({why}); the live NetBox tests must run in CI.\n{tail}")


def pytest_terminal_summary(terminalreporter):
    """Say plainly, at the end of the run, that the live NetBox tests were skipped and why."""
    if SKIPPED:
        terminalreporter.write_line(SKIPPED[0])
