"""Headless Chromium for the report's test, with the standard library only.

`open_page(path)` starts Chromium with `--remote-debugging-pipe` and speaks the DevTools
protocol over the pipe (fd 3 from us, fd 4 to us, messages ending in NUL): it watches
every request the page makes (`Network.requestWillBeSent`), every console and security
message (a Content-Security-Policy refusal is one), loads the file, reads the DOM as the
browser built it and where each chart is drawn, and takes a PNG screenshot. `read_png`
decodes that screenshot (8-bit RGB or RGBA, as Chromium writes them).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Headless, no sandbox (CI runs as root), and nothing that talks to the network by itself.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")
WIDTH, HEIGHT = 1200, 900
TIMEOUT = 60.0


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Visit:
    """What one page load showed: requests, messages, the DOM, chart boxes, a screenshot."""

    url: str
    requests: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    dom: str = ""
    boxes: dict[str, dict[str, float]] = field(default_factory=dict)
    png: bytes = b""


class DevTools:
    """One Chromium process and its DevTools pipe."""

    def __init__(self, exe: str, profile: Path) -> None:
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()
        # Chromium reads fd 3 and writes fd 4: a small Python puts the pipes there and
        # execs it (numbers above 4 first, so that neither move overwrites the other).
        a, b = fcntl.fcntl(to_chrome, fcntl.F_DUPFD, 10), fcntl.fcntl(from_chrome, fcntl.F_DUPFD, 10)
        self.log = tempfile.TemporaryFile()
        argv = [exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-pipe", "about:blank"]
        launcher = f"import os, sys; os.dup2({a}, 3); os.dup2({b}, 4); os.execv(sys.argv[1], sys.argv[1:])"
        self.proc = subprocess.Popen([sys.executable, "-c", launcher, *argv], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, pass_fds=(a, b))
        for fd in (a, b, to_chrome, from_chrome):
            os.close(fd)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.deadline = time.monotonic() + TIMEOUT

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write, data):]
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(self._receive())

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError(f"Chromium did not answer within {TIMEOUT:.0f} s{self._log_tail()}")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed its DevTools pipe{self._log_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _log_tail(self) -> str:
        self.log.seek(0)
        return ": " + self.log.read().decode("utf-8", "replace")[-1500:]

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001 - it is going away either way
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._read, self._write):
            os.close(fd)
        self.log.close()


BOXES = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  return [s.id, {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}];
})))"""


def open_page(exe: str, path: Path, profile: Path) -> Visit:
    """Load `path` in a new tab of a new headless Chromium and report what happened."""
    browser = DevTools(exe, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
        visit = Visit(path.resolve().as_uri())
        browser.send("Page.navigate", {"url": visit.url}, session)
        browser.wait_for("Page.loadEventFired")

        def evaluate(expression: str) -> Any:
            return browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                session)["result"].get("value")

        visit.dom = evaluate("document.documentElement.outerHTML")
        visit.boxes = json.loads(evaluate(BOXES))
        size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        shot = browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": WIDTH, "height": size["height"], "scale": 1}}, session)
        visit.png = base64.b64decode(shot["data"])
        evaluate("0")  # one more round trip: anything the page did is in the events by now
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Log.entryAdded":
                visit.messages.append(f"{params['entry']['source']}: {params['entry']['text']}")
            elif method == "Runtime.consoleAPICalled":
                visit.messages.append(f"console: {params['args']}")
            elif method == "Runtime.exceptionThrown":
                visit.messages.append(f"exception: {params['exceptionDetails']}")
        return visit
    finally:
        browser.close()


def read_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of pixels, bytes a pixel) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, channels


def colours(png: tuple[int, int, list[bytes], int], box: dict[str, float]) -> dict[tuple[int, ...], int]:
    """How many pixels of each colour (RGB) lie inside a box of the page."""
    width, height, rows, channels = png
    counts: dict[tuple[int, ...], int] = {}
    for y in range(max(0, int(box["y"])), min(height, int(box["y"] + box["height"]))):
        row = rows[y]
        for x in range(max(0, int(box["x"])), min(width, int(box["x"] + box["width"]))):
            pixel = tuple(row[x * channels:x * channels + 3])
            counts[pixel] = counts.get(pixel, 0) + 1
    return counts
