#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Trust that spreads correctly (issue 16): the signing key sealed by the
passphrase, signed revocations that travel, equivocation proofs that
travel."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from gslib import GEMSYNCD, Net, ini_merge, run_tests  # noqa: E402


def write_pass(site, text="phrase de passe du GEM\n"):
    path = os.path.join(site.dir, "passphrase")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def set_conf(site, extra):
    with open(site.conf) as f:
        text = f.read()
    with open(site.conf, "w") as f:
        f.write(ini_merge(text + "\n" + extra))


def start_fails(site):
    r = subprocess.run([GEMSYNCD, "-c", site.conf], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0, r.stderr
    return r.stderr


def key_bytes(site):
    with open(os.path.join(site.data, "site.key"), "rb") as f:
        return f.read()


def test_signing_key_sealed_at_init():
    with Net() as net:
        s = net.site("Sceau")
        pf = write_pass(s)
        s.init("--passphrase-file", pf)
        key = key_bytes(s)
        assert key[:4] == b"GSK2" and len(key) == 141, key[:4]
        err = start_fails(s)
        assert "protégée par la phrase de passe" in err, err
        assert "passphrase_file" in err, err
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        s.start()
        s.add_event("Atelier sous clé")
        assert len(s.events()) == 1


def test_signing_key_sealed_on_first_start():
    """A site made without a passphrase: its raw key is sealed on the
    first start with one, and from then on needs it."""
    with Net() as net:
        s = net.site("Migration")
        s.init()
        raw = key_bytes(s)
        assert raw[:4] == b"GSK1" and len(raw) == 68
        seed, pk = raw[4:36], raw[36:68]
        pf = write_pass(s)
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        s.start()
        sid = s.id
        s.add_event("Avant")
        s.stop()
        key = key_bytes(s)
        assert key[:4] == b"GSK2", key[:4]
        assert seed not in key and pk not in key
        assert not os.path.exists(os.path.join(s.data, "site.key.new"))
        # without the passphrase: a clear French refusal
        set_conf(s, "[storage]\npassphrase_file =\n")
        err = start_fails(s)
        assert "protégée par la phrase de passe" in err, err
        # a wrong one
        write_pass(s, "pas la bonne\n")
        set_conf(s, f"[storage]\npassphrase_file = {pf}\n")
        err = start_fails(s)
        assert "ne déverrouille pas la clé du site" in err, err
        write_pass(s)
        s.start()
        assert s.j("id")["site_id"] == sid
        s.add_event("Après")
        assert len(s.events()) == 2


if __name__ == "__main__":
    run_tests([
        test_signing_key_sealed_at_init,
        test_signing_key_sealed_on_first_start,
    ])
