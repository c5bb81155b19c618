"""NetBox's REST API over one kept-alive HTTP session: paged reads, bulk create/update/delete in chunks.

The token is sent in the Authorization header only: it is never part of a message, a log line or a file. NetBox's
4xx/5xx answers become one NetboxError line naming the object and the field NetBox objected to.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aifabric.errors import NetboxError

# Objects per bulk request, at most: NetBox saves a bulk request in one transaction. How many go in one is set by
# time, not count: the first request of a call carries FIRST objects, the next ones as many as NetBox wrote in
# TARGET_S at the rate the last one took (a cable costs NetBox ~130 database queries, ~1 s on a busy 2-core
# machine: 250 of them would outlast gunicorn's and the client's timeout). A request's own cost is a few queries,
# so requests of 10 or 20 objects instead of 250 cost a push almost nothing.
CHUNK = 250
FIRST = 10
TARGET_S = 20.0
PAGE = 1000
# Bulk requests in flight at once (--workers). One by default: NetBox's cost is per object, mostly in PostgreSQL,
# and on a machine whose cores are already busy a 64-GPU push took as long with 3 requests in flight as with one.
WORKERS = 1


def auth_header(token: str) -> str:
    """Return the Authorization header value: `Bearer nbt_<key>.<secret>` for v2 tokens (NetBox >= 4.5),
    `Token <secret>` for v1 tokens."""
    return f"Bearer {token}" if token.startswith("nbt_") else f"Token {token}"


class NetboxClient:
    """A NetBox API client. `chunk` objects go in one request (1 = one request per object, for comparison);
    `workers` bulk requests of one call run at once (1 = one after the other)."""

    def __init__(self, url: str, token: str, verify: bool = True, timeout_s: float = 300.0, chunk: int = CHUNK,
                 workers: int = WORKERS):
        import requests

        self.url = url.rstrip("/")
        self.chunk = max(1, chunk)
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.requests = 0
        # Per endpoint written: [seconds spent in its write requests, objects written] (benchmarks read it).
        self.write_seconds: dict[str, list[float]] = {}
        self._verify = verify
        self._headers = {"Authorization": auth_header(token), "Accept": "application/json",
                         "Content-Type": "application/json"}
        self._local = threading.local()
        self._sessions: list = []
        self._lock = threading.Lock()
        self._requests = requests

    @property
    def _session(self):
        """This thread's kept-alive HTTP session (requests' sessions are not shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._requests.Session()
            session.verify = self._verify
            session.headers.update(self._headers)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close the HTTP sessions."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()

    def _chunks(self, count: int, send: Callable[[int, int], Any], progress: Callable[[int], None] | None) -> list:
        """Send `count` objects in chunks, `workers` requests at a time; return the answers in chunk order. The
        objects of one call never depend on each other (push groups parents before children), so their chunks may
        land in any order; each chunk is one NetBox transaction, and a failed one stops the call with its error."""
        if self.workers == 1:
            answers = []
            start, size = 0, min(self.chunk, FIRST)
            while start < count:
                end = min(start + size, count)
                began = time.perf_counter()
                answers.append(send(start, end))
                per_object_s = (time.perf_counter() - began) / (end - start)
                size = max(1, min(self.chunk, int(TARGET_S / per_object_s) if per_object_s > 0 else self.chunk))
                if progress:
                    progress(end - start)
                start = end
            return answers
        # In parallel: at most FIRST objects a request, and at least one request per worker.
        size = max(1, min(self.chunk, FIRST, -(-count // self.workers)))
        starts = list(range(0, count, size))
        if len(starts) < 2:
            answers = [send(0, count)] if count else []
            if progress and count:
                progress(count)
            return answers
        with ThreadPoolExecutor(max_workers=min(self.workers, len(starts))) as pool:
            futures = [pool.submit(send, start, min(start + size, count)) for start in starts]
            answers = []
            for start, future in zip(starts, futures, strict=True):
                answers.append(future.result())
                if progress:
                    progress(min(start + size, count) - start)
            return answers

    def _call(self, method: str, path: str, what: str, params=None, body=None, labels: Sequence[str] = ()):
        """Send one request; return its decoded JSON (None for 204) or raise NetboxError naming `what`."""
        url = path if path.startswith("http") else f"{self.url}/api/{path}"
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        with self._lock:
            self.requests += 1
        started = time.perf_counter()
        try:
            response = self._session.request(method, url, params=params, data=data, timeout=self.timeout_s)
        except self._requests.exceptions.SSLError as exc:
            raise NetboxError(f"NetBox at {self.url}: TLS verification failed ({_first_line(exc)}); fix the "
                              f"certificate or pass --insecure") from None
        except self._requests.exceptions.RequestException as exc:
            raise NetboxError(f"cannot reach NetBox at {self.url}: {_reason(exc)}") from None
        if method != "GET":
            endpoint = "/".join(path.split("/")[:2])
            with self._lock:
                spent = self.write_seconds.setdefault(endpoint, [0.0, 0])
                spent[0] += time.perf_counter() - started
                spent[1] += len(body) if isinstance(body, list) else 1
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            raise NetboxError(_refusal(response, method, path, what, labels))
        try:
            return response.json()
        except ValueError:
            raise NetboxError(f"NetBox at {self.url} answered {method} /api/{path} with a non-JSON body "
                              f"(status {response.status_code}): is the URL NetBox's?") from None

    def status(self) -> dict[str, Any]:
        """Return NetBox's /api/status/ (its version and installed apps)."""
        return self._call("GET", "status/", "the API status")

    def endpoints(self, app: str) -> set[str]:
        """Return the endpoint names an app's API root lists (e.g. 'module-types' under dcim)."""
        root = self._call("GET", f"{app}/", f"the {app} API")
        return set(root) if isinstance(root, dict) else set()

    def list(self, endpoint: str, params: dict | None = None) -> list[dict]:
        """Return every object of an endpoint that matches params, following NetBox's pages."""
        query = dict(params or {})
        query.setdefault("limit", PAGE)
        out: list[dict] = []
        page = self._call("GET", f"{endpoint}/", f"the list of {endpoint}", params=query)
        while True:
            out.extend(page["results"])
            if not page.get("next"):
                return out
            page = self._call("GET", page["next"], f"the list of {endpoint}")

    def create(self, endpoint: str, objects: list[dict], labels: Sequence[str],
               progress: Callable[[int], None] | None = None) -> list[dict]:
        """Create objects in chunks (one transaction each); return NetBox's records in order."""
        def send(start: int, end: int):
            body = objects[start:end] if self.chunk > 1 else objects[start]
            return self._call("POST", f"{endpoint}/", f"creating {endpoint}", body=body, labels=labels[start:end])

        out: list[dict] = []
        for answer in self._chunks(len(objects), send, progress):
            out.extend(answer if isinstance(answer, list) else [answer])
        return out

    def update(self, endpoint: str, objects: list[dict], labels: Sequence[str],
               progress: Callable[[int], None] | None = None) -> None:
        """Update objects (each with its `id`) in chunks."""
        def send(start: int, end: int):
            names = labels[start:end]
            if self.chunk > 1:
                return self._call("PATCH", f"{endpoint}/", f"updating {endpoint}", body=objects[start:end],
                                  labels=names)
            body = {k: v for k, v in objects[start].items() if k != "id"}
            return self._call("PATCH", f"{endpoint}/{objects[start]['id']}/", f"updating {endpoint}", body=body,
                              labels=names)

        self._chunks(len(objects), send, progress)

    def delete(self, endpoint: str, ids: list[int], labels: Sequence[str],
               progress: Callable[[int], None] | None = None) -> None:
        """Delete objects by id in chunks."""
        def send(start: int, end: int):
            names = labels[start:end]
            if self.chunk > 1:
                return self._call("DELETE", f"{endpoint}/", f"deleting {endpoint}",
                                  body=[{"id": i} for i in ids[start:end]], labels=names)
            return self._call("DELETE", f"{endpoint}/{ids[start]}/", f"deleting {endpoint}", labels=names)

        self._chunks(len(ids), send, progress)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _reason(exc: Exception) -> str:
    """Return why a request never got an answer, in a few words (refused, timed out, name not found)."""
    text = str(exc)
    for needle, reason in (("Connection refused", "connection refused"), ("timed out", "timed out"),
                           ("Name or service not known", "host name not found"),
                           ("No address associated", "host name not found"),
                           ("Temporary failure in name resolution", "host name not found")):
        if needle in text:
            return reason
    if "Invalid URL" in text or "No connection adapters" in text or "MissingSchema" in type(exc).__name__:
        return "not a URL (expected http:// or https://)"
    return _first_line(exc)


def _refusal(response, method: str, path: str, what: str, labels: Sequence[str]) -> str:
    """Return one line for a 4xx/5xx answer: the object (by its plan label) and NetBox's words about the field."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    endpoint = path.split("?")[0].strip("/")
    if status in (401, 403):
        detail = body.get("detail") if isinstance(body, dict) else ""
        return (f"NetBox at {response.url.split('/api/')[0]} refused the token ({status}: {detail or 'forbidden'}); "
                f"check the token and that it may write")
    if status == 404 and method == "GET":
        return f"NetBox has no /api/{endpoint}/ ({what}): this NetBox version lacks a model the plan needs"
    obj, problem = None, None
    if isinstance(body, list):
        for label, errors in zip(labels, body, strict=False):
            if errors:
                obj, problem = label, errors
                break
    elif isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        # NetBox >= 4.5 answers a bulk request with {"detail": ..., "errors": [{"index": i, "errors": {...}}]}.
        first = body["errors"][0]
        index = first.get("index") if isinstance(first, dict) else None
        obj = labels[index] if isinstance(index, int) and index < len(labels) else None
        problem = first.get("errors", first) if isinstance(first, dict) else first
    elif isinstance(body, dict):
        obj, problem = (labels[0] if len(labels) == 1 else None), body
    text = _field_errors(problem) if problem else (response.text.strip().splitlines() or [""])[0][:200]
    who = f"{endpoint} '{obj}'" if obj else endpoint
    return f"NetBox refused {what} ({status}) at {who}: {text}"


def _field_errors(problem) -> str:
    """Return NetBox's first error as `field: message` on one line."""
    if isinstance(problem, dict):
        for field, errors in problem.items():
            message = errors
            while isinstance(message, list) and message:
                message = message[0]
            if isinstance(message, dict):
                return f"{field}.{_field_errors(message)}"
            return f"{field}: {str(message).strip()}" if field not in ("detail", "non_field_errors") else \
                str(message).strip()
    if isinstance(problem, list) and problem:
        return _field_errors(problem[0])
    return " ".join(str(problem).split())[:200]
