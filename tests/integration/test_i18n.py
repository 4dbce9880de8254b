# SPDX-License-Identifier: AGPL-3.0-or-later
"""The CLI's language (docs/internals/i18n.md): French from the build
tree's catalogue when the locale names no language, English when asked
(LANGUAGE=en) and when no catalogue is found, never a mix of msgid and
translation in one message."""
import os
import shutil
import subprocess
import tempfile

from gslib import EXIT_DOWN, EXIT_USAGE, GEMSYNC, run_tests


def cli(binary, env, *args):
    base = {k: v for k, v in os.environ.items()
            if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    base.update(env)
    return subprocess.run([binary, *args], capture_output=True, text=True,
                          timeout=30, env=base)


def with_conf(fn):
    def run():
        d = tempfile.mkdtemp(prefix="gemsync-i18n-")
        try:
            conf = os.path.join(d, "gemsyncd.conf")
            with open(conf, "w") as f:
                f.write(f"[daemon]\ndata_dir = {d}/data\n")
            fn(d, conf)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    run.__name__ = fn.__name__
    return run


@with_conf
def test_french_by_default(d, conf):
    for env in ({}, {"LANG": "C"}, {"LANG": "C.UTF-8"}, {"LC_ALL": "POSIX"}):
        r = cli(GEMSYNC, env, "-c", conf, "status")
        assert r.returncode == EXIT_DOWN, (env, r.stderr)
        assert "gemsyncd ne répond pas sur" in r.stderr, (env, r.stderr)
        assert "(il n'est pas démarré)" in r.stderr and "démarrez-le" in r.stderr, r.stderr
    r = cli(GEMSYNC, {}, "--help")
    assert r.returncode == 0 and "Codes de sortie :" in r.stdout, r.stdout
    assert "affiche un événement" in r.stdout, r.stdout


@with_conf
def test_french_help_words(d, conf):
    """The French help speaks French to the end: placeholders, the
    duration the parser reads, the flag of a site with two versions."""
    def help_of(*cmd):
        r = cli(GEMSYNC, {}, "-c", conf, *cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        return r.stdout
    for cmd, word in ((("event", "show"), "ÉLÉMENT"), (("event", "edit"), "ÉLÉMENT [OPTIONS]"),
                      (("event", "reserve"), "ÉVÉNEMENT"), (("resource", "confirm"), "RESSOURCE"),
                      (("conflicts", "resolve"), "ÉLÉMENT")):
        out = help_of(*cmd)
        assert word in out, (cmd, out)
        for english in ("ITEM", "EVENT", "RESOURCE"):
            assert english not in out.replace("RESSOURCE", ""), (cmd, english, out)
    out = help_of("invite")
    assert "--expires 7j" in out and "7j (défaut)" in out and "7d" not in out, out
    assert "DOUBLE VERSION !" in help_of("site", "list")
    r = cli(GEMSYNC, {}, "-c", conf, "event", "show")
    assert r.returncode == EXIT_USAGE and "(ÉLÉMENT)" in r.stderr, r.stderr
    r = cli(GEMSYNC, {"LANGUAGE": "en"}, "-c", conf, "event", "show", "--help")
    assert "event show ITEM" in r.stdout, r.stdout


@with_conf
def test_english_when_asked(d, conf):
    r = cli(GEMSYNC, {"LANGUAGE": "en"}, "-c", conf, "status")
    assert r.returncode == EXIT_DOWN, r.stderr
    assert "gemsyncd does not answer on" in r.stderr, r.stderr
    assert "(no socket)" in r.stderr and "start it with" in r.stderr, r.stderr
    r = cli(GEMSYNC, {"LANGUAGE": "en"}, "event", "add", "--tilte", "x")
    assert r.returncode == EXIT_USAGE, r.stderr
    assert "unknown option: --tilte: did you mean --title?" in r.stderr, r.stderr
    r = cli(GEMSYNC, {"LANGUAGE": "en"}, "event", "add", "--help")
    assert "Usage: gemsync" in r.stdout and "title (required when adding)" in r.stdout, r.stdout
    assert "Exit codes:" in r.stdout, r.stdout


@with_conf
def test_english_without_catalogue(d, conf):
    # the same program where no share/locale is next to it
    bindir = os.path.join(d, "bin")
    os.makedirs(bindir)
    alone = shutil.copy(GEMSYNC, bindir)
    r = cli(alone, {}, "-c", conf, "status")
    assert r.returncode == EXIT_DOWN, r.stderr
    if os.path.exists("/usr/local/share/locale/fr/LC_MESSAGES/gemsync.mo"):
        return   # an installed catalogue is found: French is right then
    assert "gemsyncd does not answer on" in r.stderr, r.stderr
    assert "ne répond pas" not in r.stderr, r.stderr


if __name__ == "__main__":
    run_tests([test_french_by_default, test_french_help_words, test_english_when_asked,
               test_english_without_catalogue])
