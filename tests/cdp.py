"""Headless Chromium driven over the Chrome DevTools Protocol's websocket: open a page, evaluate
JavaScript in it, collect its uncaught exceptions. Only what the self-check page's tests need."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect

#: the flags every headless Chromium run in the tests uses (tests/test_handout.py)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


class Browser:
    """One headless Chromium with one page, controlled over CDP."""

    def __init__(self, binary: str, timeout: float = 60) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="symbp-cdp-")
        # Chromium's log goes to a file: a pipe nobody drains would fill and stall the browser
        self._log_path = Path(self._profile.name) / "chromium.log"
        self._log = self._log_path.open("w")
        self._process = subprocess.Popen(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            # its own process group: closing ends the helpers (renderer, crash handler) too,
            # which otherwise still write into the profile while it is being removed
            start_new_session=True,
        )
        self._next = 0
        self._stack = contextlib.ExitStack()
        self.exceptions: list[str] = []
        try:
            url = self._websocket_url()
            self._socket: ClientConnection = self._stack.enter_context(
                connect(url, max_size=None, open_timeout=timeout)
            )
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            self.send("Page.enable", session=True)
            self.send("Runtime.enable", session=True)
        except BaseException:
            self.close()
            raise

    def _websocket_url(self) -> str:
        deadline = time.monotonic() + self.timeout
        log = ""
        while time.monotonic() < deadline and self._process.poll() is None:
            log = self._log_path.read_text(errors="replace")
            match = LISTENING.search(log)
            if match:
                return match.group(1)
            time.sleep(0.05)
        raise RuntimeError("Chromium did not start its DevTools server: " + log[-500:])

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False
    ) -> dict[str, Any]:
        """Send one command and wait for its answer; events that arrive meanwhile are noted."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method}")
            reply = json.loads(self._socket.recv(timeout=left))
            if reply.get("method") == "Runtime.exceptionThrown":
                details = reply["params"]["exceptionDetails"]
                self.exceptions.append(json.dumps(details.get("exception", details))[:500])
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def open(self, page: Path) -> None:
        """Load a page and wait until it has run its scripts."""
        self.send("Page.navigate", {"url": page.resolve().as_uri()}, session=True)
        deadline = time.monotonic() + self.timeout
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{page} did not load")
            time.sleep(0.02)

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value in the page (JSON-able values only)."""
        answer = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"page script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def close(self) -> None:
        self._stack.close()
        if self._process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._signal_group(signal.SIGKILL)  # any helper process still alive
        self._log.close()
        for attempt in range(20):  # a dying helper may still close its files in the profile
            try:
                shutil.rmtree(self._profile.name)
                break
            except FileNotFoundError:
                break
            except OSError:
                if attempt == 19:
                    raise
                time.sleep(0.1)

    def _signal_group(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, number)

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
