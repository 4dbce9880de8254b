# SPDX-License-Identifier: AGPL-3.0-or-later
"""netns: network namespaces for gemsync integration tests.

A NetNs builds a small private network on this machine: a bridge in
its own namespace and one namespace per site (named gs-<pid>-<rand>-sN),
each joined to the bridge by a veth pair, on 10.77.0.0/24, addresses
that exist only inside those namespaces, so every packet stays here.
Links can be cut and healed (ip link set down/up), slowed (tc tbf),
and given random packet loss (nft numgen, else iptables statistic). NsSite is a gslib
Site whose daemon runs inside a namespace (`ip netns exec NS gemsyncd`)
and listens on the namespace's address; its control socket is an ipc://
file on the shared filesystem, so the CLI still runs from the root
namespace. Everything made is deleted by close(), even after a failure:
daemons are stopped by their PID, namespaces (and with them the veth
ends inside them) deleted by name.
"""
import os
import random
import re
import shutil
import subprocess

from gslib import GEMSYNCD, Net, Site, wait_until

IP = shutil.which("ip") or "/usr/sbin/ip"


def _run(*cmd, check=True, timeout=20):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def unavailable():
    """None if namespaces and veth pairs can be made here, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not os.path.exists(IP):
        return "the ip tool (iproute2) is missing"
    probe = f"gs-{os.getpid()}-probe"
    r = _run(IP, "netns", "add", probe, check=False)
    if r.returncode != 0:
        return f"ip netns add failed: {r.stderr.strip()}"
    try:
        r = _run(IP, "-n", probe, "link", "add", "gsprobe0", "type", "veth", "peer",
                 "name", "gsprobe1", check=False)
        if r.returncode != 0:
            return f"veth pairs unavailable: {r.stderr.strip()}"
    finally:
        _run(IP, "netns", "del", probe, check=False)
    return None


class Link:
    """A site's veth pair to the bridge: one end in the site's namespace,
    the other enslaved to the bridge."""

    def __init__(self, site_ns, site_dev, bridge_ns, bridge_dev):
        self.ends = ((site_ns, site_dev), (bridge_ns, bridge_dev))

    def _set(self, state):
        for ns, dev in self.ends:
            _run(IP, "-n", ns, "link", "set", dev, state)

    def cut(self):
        """Takes both ends down: packets in flight and to come are lost."""
        self._set("down")

    def heal(self):
        self._set("up")

    def slow(self, kbit_per_s):
        """Limits what the bridge sends to the site to kbit_per_s with a
        tbf qdisc (tc, from iproute2); raises RuntimeError if refused."""
        ns, dev = self.ends[1]
        _run(IP, "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf",
             "rate", f"{int(kbit_per_s)}kbit", "burst", "32kbit", "latency", "400ms")

    def fast(self):
        ns, dev = self.ends[1]
        _run(IP, "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root", check=False)

    def is_up(self):
        for ns, dev in self.ends:
            r = _run(IP, "-n", ns, "-o", "link", "show", dev)
            if "LOWER_UP" not in r.stdout:
                return False
        return True


class NetNs:
    """A bridge in its own namespace and one namespace per site, each
    joined to the bridge by a veth pair, all on 10.77.0.0/24; close()
    removes them all."""

    def __init__(self):
        self.tag = f"gs-{os.getpid()}-{random.randint(0, 0xffff):04x}"
        self.namespaces = []
        self.rules = {}      # (namespace, name) -> "nft" | "iptables" | ...
        self.bridge_ns = None
        self._n = 0

    def _namespace(self, suffix):
        ns = f"{self.tag}-{suffix}"
        _run(IP, "netns", "add", ns)
        self.namespaces.append(ns)
        _run(IP, "-n", ns, "link", "set", "lo", "up")
        return ns

    def _bridge(self):
        if self.bridge_ns is None:
            ns = self._namespace("br")
            self.bridge_ns = ns
            _run(IP, "-n", ns, "link", "add", "gsbr0", "type", "bridge")
            _run(IP, "-n", ns, "link", "set", "gsbr0", "up")
        return self.bridge_ns

    def site_namespace(self):
        """A new namespace on the bridge; returns (namespace, address, Link)."""
        br = self._bridge()
        n = self._n
        self._n += 1
        if n > 200:
            raise RuntimeError("too many sites")
        ns = self._namespace(f"s{n}")
        addr = f"10.77.0.{n + 1}"
        # made inside the site's namespace, so no name ever lands in the
        # root one; veth names are at most 15 bytes
        dev, bdev = f"gsv{n}", f"gsv{n}br"
        _run(IP, "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", bdev,
             "netns", br)
        _run(IP, "-n", br, "link", "set", bdev, "master", "gsbr0")
        _run(IP, "-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
        ln = Link(ns, dev, br, bdev)
        ln.heal()
        wait_until(ln.is_up, timeout=10, interval=0.1, what=f"link {dev} up")
        return ns, addr, ln

    # -- packet loss and rate limits --
    def _filter(self, ns, name, nft_rule, ipt_args):
        """Adds one drop rule on the packets entering ns: with nft if it
        works, else iptables, else iptables-legacy. Returns the tool
        used; raises RuntimeError with every tool's error if none works."""
        errors = []
        rules = (f"table inet {name} {{\n chain input {{\n"
                 "  type filter hook input priority 0; policy accept;\n"
                 f"  {nft_rule} counter drop\n }}\n}}\n")
        try:
            r = subprocess.run([IP, "netns", "exec", ns, "nft", "-f", "-"], input=rules,
                               capture_output=True, text=True, timeout=20)
            if r.returncode == 0:
                self.rules[(ns, name)] = "nft"
                return "nft"
            errors.append(f"nft: {r.stderr.strip()}")
        except (OSError, subprocess.SubprocessError) as e:
            errors.append(f"nft: {e}")
        for tool in ("iptables", "iptables-legacy"):
            try:
                r = _run(IP, "netns", "exec", ns, tool, "-A", "INPUT", *ipt_args,
                         "-m", "comment", "--comment", name, "-j", "DROP", check=False)
                if r.returncode == 0:
                    self.rules[(ns, name)] = tool
                    return tool
                errors.append(f"{tool}: {r.stderr.strip()}")
            except (OSError, subprocess.SubprocessError) as e:
                errors.append(f"{tool}: {e}")
        raise RuntimeError("; ".join(errors))

    def add_loss(self, ns, percent):
        """Drops percent% of the packets entering ns, chosen at random."""
        return self._filter(ns, "gsloss", f"numgen random mod 100 < {int(percent)}",
                            ["-m", "statistic", "--mode", "random",
                             "--probability", f"{percent / 100:.3f}"])

    def add_rate_limit(self, ns, kbytes_per_s):
        """Drops what enters ns above kbytes_per_s: a slow link (TCP backs off)."""
        return self._filter(ns, "gsrate", f"limit rate over {int(kbytes_per_s)} kbytes/second",
                            ["-m", "hashlimit", "--hashlimit-name", f"gsrate{os.getpid()}",
                             "--hashlimit-above", f"{int(kbytes_per_s)}kb/s"])

    def dropped(self, ns, name="gsloss"):
        """Packets dropped so far by rule name in ns (None if unknown)."""
        tool = self.rules.get((ns, name))
        if tool == "nft":
            r = _run(IP, "netns", "exec", ns, "nft", "list", "table", "inet", name,
                     check=False)
            m = re.search(r"counter packets (\d+)", r.stdout)
        elif tool:
            r = _run(IP, "netns", "exec", ns, tool, "-L", "INPUT", "-v", "-n", "-x",
                     check=False)
            m = re.search(rf"^\s*(\d+)\s+\d+\s+DROP.*/\* {name} \*/", r.stdout, re.M)
        else:
            return None
        return int(m.group(1)) if m else None

    def clear(self, ns, name):
        """Removes rule name from ns (gsloss or gsrate)."""
        tool = self.rules.pop((ns, name), None)
        if tool == "nft":
            _run(IP, "netns", "exec", ns, "nft", "delete", "table", "inet", name)
        elif tool:
            r = _run(IP, "netns", "exec", ns, tool, "-S", "INPUT")
            for line in r.stdout.splitlines():
                if f"--comment {name} " in line and line.startswith("-A "):
                    _run(IP, "netns", "exec", ns, tool, "-D", *line.split()[1:])

    def close(self):
        """Deletes every namespace made (their veth ends go with them)."""
        errors = []
        for ns in reversed(self.namespaces):
            r = _run(IP, "netns", "del", ns, check=False)
            if r.returncode != 0:
                errors.append(f"{ns}: {r.stderr.strip()}")
        self.namespaces = []
        if errors:
            raise RuntimeError("could not delete namespaces: " + "; ".join(errors))


class NsSite(Site):
    """A Site whose daemon runs inside a network namespace and listens on
    addr (a namespace address); the CLI runs from the root namespace."""

    def __init__(self, root, name, ns, addr, **kw):
        super().__init__(root, name, **kw)
        self.ns = ns
        self.endpoint = f"tcp://{addr}:{self.port}"
        with open(self.conf) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^listen = .*$", f"listen = {self.endpoint}", text)
        assert n == 1, "gslib's config has one listen line"
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, wait=True, env=None):
        assert self.proc is None or self.proc.poll() is not None
        logf = open(self.log, "a")
        e = dict(os.environ)
        if env:
            e.update(env)
        # ip netns exec execs the command in place: self.proc.pid is the
        # daemon's own PID, so stop() signals the daemon itself
        self.proc = subprocess.Popen([IP, "netns", "exec", self.ns, GEMSYNCD, "-c", self.conf],
                             stdout=logf, stderr=subprocess.STDOUT, env=e)
        logf.close()
        if wait:
            wait_until(lambda: self.alive(), timeout=20, what=f"{self.name} to answer")
        return self.proc


class NsNet(Net):
    """A gslib Net whose sites each live in their own namespace on one
    bridge. On exit, daemons are stopped by PID first, then every
    namespace is deleted, whatever happened."""

    def __init__(self, keep=False):
        super().__init__(keep=keep)
        self.nn = NetNs()
        self.links = {}

    def ns_site(self, name, **kw):
        ns, addr, ln = self.nn.site_namespace()
        s = NsSite(self.root, name, ns, addr, **kw)
        self.sites.append(s)
        self.links[name] = ln
        return s

    def ns_started(self, name, **kw):
        s = self.ns_site(name, **kw)
        s.init()
        s.start()
        return s

    def link(self, site):
        return self.links[site.name]

    def __exit__(self, exc_type, exc, tb):
        try:
            return super().__exit__(exc_type, exc, tb)
        finally:
            self.nn.close()
