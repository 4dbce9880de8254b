# SPDX-License-Identifier: AGPL-3.0-or-later
"""A headless Chromium driven over the Chrome DevTools Protocol through a
pipe (--remote-debugging-pipe: fd 3 carries commands in, fd 4 replies
out, each message JSON ended by a NUL byte), with the standard library
only: no WebSocket client, no browser download. Used by
test_programme.py. Every wait is bounded in time; the browser is stopped
by its PID."""
import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def find_chromium():
    """The path of Debian's chromium, or None."""
    for name in CHROMIUM_NAMES:
        p = shutil.which(name)
        if p:
            return p
    return None


class CdpError(Exception):
    pass


class Browser:
    """One headless browser with one page (a flattened session)."""

    def __init__(self, exe, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="gs-chromium-")
        cmd_r, self._cmd_w = os.pipe()     # we write commands, it reads fd 3
        self._out_r, out_w = os.pipe()     # it writes replies on fd 4
        # the child sees the pipe ends as fds 3 and 4 (copied away first,
        # in case one of them is 3 or 4 already); every other descriptor
        # of ours is close-on-exec
        def child_fds():
            a, b = os.dup(cmd_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless", "--remote-debugging-pipe", "--no-sandbox",
             "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--allow-file-access-from-files", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=child_fds, close_fds=False)
        os.close(cmd_r)
        os.close(out_w)
        self._buf = b""
        self._next = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("chromium did not answer in time")
            ready, _, _ = select.select([self._out_r], [], [], min(left, 1.0))
            if not ready:
                if self.proc.poll() is not None:
                    raise CdpError(f"chromium exited ({self.proc.returncode})")
                continue
            chunk = os.read(self._out_r, 1 << 20)
            if not chunk:
                raise CdpError("chromium closed its pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, timeout=None):
        self._next += 1
        mid = self._next
        msg = {"id": mid, "method": method, "params": params or {}}
        if self.session is not None and not method.startswith("Target."):
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._cmd_w, data)
            data = data[n:]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._read_message(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CdpError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    del self.events[i]
                    return m.get("params", {})
            self.events.append(self._read_message(deadline))

    def open(self, url):
        """Loads url and waits for its load event."""
        self.events = [m for m in self.events if m.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def eval(self, expr, await_promise=False, timeout=None):
        """The value of a JavaScript expression in the page (JSON-able)."""
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": await_promise},
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise CdpError(f"script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def pdf(self):
        """The page printed to PDF as the print stylesheet lays it out."""
        r = self.call("Page.printToPDF", {"preferCSSPageSize": True,
                                          "printBackground": True})
        return base64.b64decode(r["data"])

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.call("Browser.close", timeout=5)
                except CdpError:
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            os.close(self._cmd_w)
            os.close(self._out_r)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
