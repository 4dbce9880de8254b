# SPDX-License-Identifier: AGPL-3.0-or-later
"""The admin group (issue 16): the daemon runs as its own system user, its
control socket sits in a 0750 directory of the daemon's group, as packaged
(/run/gemsync). A member of the group uses the CLI without root; a user
outside it is told « accès refusé ... ajoutez-vous au groupe », never that
the daemon is down; with the file system opened up by mistake, the
daemon's own check of the peer's uid/gid (libzmq ipc filters) still
refuses the outsider. Needs root to create throwaway users (SKIP else)."""
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess

from gslib import EXIT_DOWN, GEMSYNC, GEMSYNCD, Net, Skip, run_tests, wait_until


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise Skip(f"{name} not found")
    return path


class Users:
    """A throwaway group and three system users (daemon, member,
    outsider), removed on exit."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.group = f"gst{tag}"
        self.daemon, self.member, self.outsider = f"gsd{tag}", f"gsm{tag}", f"gso{tag}"
        self.made_users, self.made_group = [], False

    def __enter__(self):
        groupadd, useradd = tool("groupadd"), tool("useradd")
        subprocess.run([groupadd, "--system", self.group], check=True)
        self.made_group = True
        for user, opts in ((self.daemon, ["-g", self.group]),
                           (self.member, ["-G", self.group]),
                           (self.outsider, [])):
            subprocess.run([useradd, "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", *opts, user], check=True)
            self.made_users.append(user)
        return self

    def __exit__(self, *exc):
        for user in self.made_users:
            subprocess.run(["userdel", user], capture_output=True)
        if self.made_group:
            subprocess.run(["groupdel", self.group], capture_output=True)
        return False


def as_user(user, argv):
    """argv run as user with that user's groups (setpriv execs: the PID
    is the program's)."""
    pw = pwd.getpwnam(user)
    return [tool("setpriv"), f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
            "--", *argv]


def chown(path, user, group):
    shutil.chown(path, user, group)


def test_group_member_without_root():
    if os.geteuid() != 0:
        raise Skip("needs root to create throwaway users")
    tool("setpriv")
    with Users() as u, Net() as net:
        # binaries and configuration where the throwaway users can read
        os.chmod(net.root, 0o755)
        bindir = os.path.join(net.root, "bin")
        os.makedirs(bindir)
        cli = shutil.copy(GEMSYNC, bindir)
        daemon = shutil.copy(GEMSYNCD, bindir)
        for p in (cli, daemon):
            os.chmod(p, 0o755)
        locale = os.path.join(os.path.dirname(os.path.dirname(GEMSYNC)), "share", "locale")
        if os.path.isdir(locale):
            shutil.copytree(locale, os.path.join(net.root, "share", "locale"))
        run = os.path.join(net.root, "run")
        sock = os.path.join(run, "control.sock")
        s = net.site("GEM Le Rebond", extra=f"[daemon]\ncontrol = ipc://{sock}\n")
        os.chmod(s.dir, 0o755)
        os.chmod(s.conf, 0o644)
        os.makedirs(s.data, mode=0o700)
        chown(s.data, u.daemon, u.group)
        # as the packaged unit's RuntimeDirectory: daemon-owned, 0750
        os.makedirs(run)
        os.chmod(run, 0o750)
        chown(run, u.daemon, u.group)

        r = subprocess.run(as_user(u.daemon, [daemon, "-c", s.conf, "--init"]),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        with open(s.log, "a") as logf:
            s.proc = subprocess.Popen(as_user(u.daemon, [daemon, "-c", s.conf]),
                                      stdout=logf, stderr=subprocess.STDOUT)

        def cli_as(user, *args, cli_timeout=20):
            env = dict(os.environ, GEMSYNC_TIMEOUT=str(cli_timeout))
            return subprocess.run(as_user(user, [cli, "-c", s.conf, *args]), capture_output=True,
                                  text=True, timeout=60, env=env)

        wait_until(lambda: cli_as(u.member, "--json", "status", cli_timeout=5).returncode == 0,
                   timeout=20, what="the daemon to answer the group member")
        st = os.stat(sock)
        assert oct(st.st_mode & 0o777) == "0o660", oct(st.st_mode)

        # a member of the group: every command, no root
        r = cli_as(u.member, "--json", "event", "add", "--title", "Atelier cuisine",
                   "--kind", "atelier", "--start", "2030-06-02T14:00:00+02:00")
        assert r.returncode == 0, r.stderr
        r = cli_as(u.member, "--json", "event", "list", "--all")
        assert r.returncode == 0, r.stderr
        titles = [e["fields"]["title"] for e in json.loads(r.stdout)["items"]]
        assert titles == ["Atelier cuisine"], titles

        # outside the group: told what to do, not that the daemon is down
        r = cli_as(u.outsider, "status")
        assert r.returncode == EXIT_DOWN, (r.returncode, r.stderr)
        assert f"accès refusé à gemsyncd ({sock})" in r.stderr, r.stderr
        assert f"ajoutez-vous au groupe {u.group}" in r.stderr, r.stderr
        assert "ne répond pas" not in r.stderr, r.stderr
        assert r.stdout == "", r.stdout
        r = cli_as(u.outsider, "id")
        assert r.returncode == EXIT_DOWN and "accès refusé" in r.stderr, r.stderr
        assert "ne répond pas" not in r.stderr, r.stderr

        # the file system opened by mistake: the daemon's own check of the
        # connecting process's uid/gid still refuses the outsider
        os.chmod(run, 0o755)
        os.chmod(sock, 0o666)
        r = cli_as(u.outsider, "--json", "status", cli_timeout=3)
        assert r.returncode == EXIT_DOWN, (r.returncode, r.stdout, r.stderr)
        assert r.stdout == "", r.stdout
        r = cli_as(u.member, "--json", "status")
        assert r.returncode == 0, r.stderr
        assert s.proc.poll() is None, s.tail_log()

        # stopped daemon, socket gone: now it is « ne répond pas », with the fix
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=20) == 0, s.tail_log()
        r = cli_as(u.member, "status")
        assert r.returncode == EXIT_DOWN, (r.returncode, r.stderr)
        assert "ne répond pas" in r.stderr and "démarrez-le" in r.stderr, r.stderr


if __name__ == "__main__":
    run_tests([test_group_member_without_root])
