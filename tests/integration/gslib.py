# SPDX-License-Identifier: AGPL-3.0-or-later
"""gslib: helpers for gemsync integration tests.

Starts real gemsyncd daemons on 127.0.0.1, each with its own data dir,
port and control socket, drives them with the gemsync CLI and parses its
--json output. Every wait is bounded in count and time, and every daemon a
test starts is stopped by its PID when the test ends.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("GS_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
GEMSYNCD = os.path.join(BIN, "daemon", "gemsyncd")
GEMSYNC = os.path.join(BIN, "cli", "gemsync")
TOOLS = os.path.join(BIN, "tests")

# exit codes of the CLI (docs/cli.md)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_DOWN, EXIT_NOTFOUND, EXIT_INVALID = 0, 1, 2, 3, 4, 5


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    for _ in range(50):
        port = random.randint(20000, 60000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


def wait_until(fn, timeout=30.0, interval=0.1, what="condition"):
    """Polls fn() until it returns a true value; bounded by time and count."""
    deadline = time.monotonic() + timeout
    tries = int(timeout / interval) + 1
    last = None
    for _ in range(tries):
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")



# "received": when this site stored the item; "mine": its own share of
# an event's seats (docs/control.md)
LOCAL_KEYS = ("received", "mine")


def shared(text):
    """JSON text without the keys that differ between sites in sync."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in LOCAL_KEYS}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return json.dumps(strip(json.loads(text)), ensure_ascii=False, sort_keys=True)

def ini_merge(text):
    """The INI text with each section once and each key once, a later
    value replacing an earlier one (gemsyncd refuses a file that repeats
    either). Lines before a section header go to the last section."""
    sections, order, cur = {}, [], None
    for line in text.splitlines():
        t = line.strip()
        if not t or t.startswith((";", "#")):
            continue
        if t.startswith("[") and t.endswith("]"):
            cur = t[1:-1].strip()
            if cur not in sections:
                sections[cur] = {}
                order.append(cur)
            continue
        key, _, value = t.partition("=")
        sections[cur][key.strip()] = value.strip()
    return "".join(f"[{sec}]\n" + "".join(f"{k} = {v}\n" for k, v in sections[sec].items())
                   for sec in order)


class CliError(Exception):
    def __init__(self, rc, out, err):
        super().__init__(f"gemsync exited {rc}: {err.strip()} {out.strip()}")
        self.rc, self.out, self.err = rc, out, err


class Site:
    """One site: a config file, a data dir, a daemon process."""

    def __init__(self, root, name, town="Lyon", department="69", extra="", site="", port=None):
        """extra: more [sync] settings; site: more [site] settings; port:
        the TCP port to listen on (default: one free right now)."""
        self.name = name
        self.dir = os.path.join(root, name.replace(" ", "_"))
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port if port is not None else free_port()
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.conf = os.path.join(self.dir, "gemsyncd.conf")
        self.log = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self._id = None
        with open(self.conf, "w") as f:
            f.write(ini_merge(f"[site]\nname = {name}\ntown = {town}\ndepartment = {department}\n"
                              f"{site}"
                              f"[daemon]\ndata_dir = {self.data}\nlog_level = debug\n"
                              f"[network]\nlisten = {self.endpoint}\nheartbeat = 2\n"
                              f"[sync]\ninterval = 5\n{extra}\n"))

    # -- processes --
    def init(self, *extra):
        r = subprocess.run([GEMSYNCD, "-c", self.conf, "--init", *extra],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"init failed: {r.stderr}")
        return r

    def start(self, wait=True, env=None):
        assert self.proc is None or self.proc.poll() is not None
        logf = open(self.log, "a")
        e = dict(os.environ)
        if env:
            e.update(env)
        self.proc = subprocess.Popen([GEMSYNCD, "-c", self.conf], stdout=logf,
                                     stderr=subprocess.STDOUT, env=e)
        logf.close()
        if wait:
            wait_until(lambda: self.alive(), timeout=20, what=f"{self.name} to answer")
        return self.proc

    def alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}: "
                                 f"{self.tail_log()}")
        r = self.run("--json", "status", timeout=5)
        return r.returncode == 0

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"{self.name} did not stop on {sig}")

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def tail_log(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def peak_rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    # -- CLI --
    def run(self, *args, timeout=60, input=None, cli_timeout=30):
        env = dict(os.environ, GEMSYNC_TIMEOUT=str(cli_timeout))
        return subprocess.run([GEMSYNC, "-c", self.conf, *args], capture_output=True,
                              text=True, timeout=timeout, env=env, input=input)

    def cli(self, *args):
        r = self.run(*args)
        if r.returncode != 0:
            raise CliError(r.returncode, r.stdout, r.stderr)
        return r.stdout

    def j(self, *args):
        """Runs a command with --json and returns the parsed document."""
        return json.loads(self.cli("--json", *args))

    @property
    def id(self):
        if self._id is None:
            self._id = self.j("id")["site_id"]
        return self._id

    def add_event(self, title, start="2030-06-01T14:00:00+02:00", kind="workshop", *extra):
        return self.j("event", "add", "--title", title, "--kind", kind, "--start", start, *extra)["id"]

    def shared_cli(self, *args):
        """The CLI's JSON output with the site-local keys taken out (when
        this site received each item, its own share of seats), so that
        sites in sync print the same bytes."""
        return shared(self.cli("--json", *args))

    def events(self, *extra):
        return self.j("event", "list", "--all", *extra)["items"]

    def status(self):
        return self.j("status")

    def peer(self, other, *extra):
        return self.j("peer", "add", other.id, other.endpoint, "--name", other.name, *extra)


class Net:
    """A temporary directory of sites, all stopped on exit."""

    def __init__(self, keep=False):
        self.root = tempfile.mkdtemp(prefix="gemsync-it-")
        self.sites = []
        self.keep = keep

    def site(self, name, **kw):
        s = Site(self.root, name, **kw)
        self.sites.append(s)
        return s

    def started(self, name, **kw):
        s = self.site(name, **kw)
        s.init()
        s.start()
        return s

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        for s in self.sites:
            try:
                s.stop(timeout=10)
            except Exception:
                if s.proc and s.proc.poll() is None:
                    s.proc.kill()
                    s.proc.wait(timeout=10)
        if exc_type is not None:
            for s in self.sites:
                sys.stderr.write(f"--- log of {s.name} ---\n{s.tail_log(60)}\n")
        if not self.keep and exc_type is None:
            shutil.rmtree(self.root, ignore_errors=True)
        return False


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Skip(Exception):
    """Raised by a test that cannot run here (not root, a kernel feature
    missing): the test reports SKIPPED to CTest, never a silent pass."""


SKIP_EXIT = 77   # CTest's SKIP_RETURN_CODE for every integration test


def run_tests(tests):
    """Runs test functions in order; prints a line each. Exits 1 if one
    failed, else 77 (SKIPPED in CTest) if one could not run here, else 0."""
    failed, skipped = 0, 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t()
            print(f"ok   {t.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
        except Skip as e:
            skipped += 1
            print(f"SKIP {t.__name__}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - report and continue
            failed += 1
            import traceback
            traceback.print_exc()
            print(f"FAIL {t.__name__}: {e}", flush=True)
    if failed:
        print(f"{failed} of {len(tests)} failed")
        sys.exit(1)
    if skipped:
        print(f"{len(tests) - skipped} passed, {skipped} skipped: SKIPPED")
        sys.exit(SKIP_EXIT)
    print(f"all {len(tests)} passed")
