#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""check-literals.py SOURCES...: fails if a C file prints a message that
does not go through gettext (docs/internals/i18n.md, "What the check
catches"). A heuristic scan of the string literals:

- a literal that looks French (a letter or sign French has and English
  has not: é è à ù ç ê â î ô û ë ï œ « », or a French word such as
  « le », « des », « vous ») must be an argument of _(), N_(), P_() or
  ngettext() (so its French lives in po/fr.po under an English msgid);
- a literal of English words passed straight to a printing call
  (printf, fprintf, fputs, puts, cli_err, cli_usage...) must be wrapped
  too, or it stays English in French.

What is French on purpose (the programme page, the .ics and CSV
contents, the French words of values a person types, the French dates)
carries a marker comment: `/* fr: document */` or `/* fr: value */`.
On a line with code it covers the literals of that line; alone on its
line it covers the next statement (up to its `;`, e.g. a whole table).
`/* fr: document begin */` ... `/* fr: document end */` covers all
between (the functions that write the programme page).
Exit 0 when clean, 1 with the culprits as FILE:LINE: literal.

check-literals.py --selftest DIR: checks the checker on DIR/bad.c (a
report on exactly the lines marked BAD) and DIR/good.c (no report).
"""
import re
import sys

WRAPPERS = {"_", "N_", "P_", "ngettext", "gettext", "dgettext",
            "dngettext", "pgettext", "cli_pgettext"}
PRINTERS = {"printf", "fprintf", "fputs", "puts", "cli_err", "cli_usage",
            "cli_out", "cli_outf", "cli_out_done", "dprintf", "vprintf",
            "perror", "warnx", "errx"}
FRENCH_CHARS = re.compile("[éèàùçêâîôûëïüœæÉÈÀÙÇÊÂÎÔÛËÏŒÆ«»]")
FRENCH_WORDS = re.compile(
    r"(?<![\w%-])(le|la|les|des|du|une|est|sont|pas|aucun|aucune|vous|"
    r"votre|vos|avec|pour|dans|sur|sans|puis|cette|ces|et|aux|ou|ne|qui|"
    r"que|il|elle|ils|nous|notre|fichier|dossier|donnez|ajoute|ligne|"
    r"conflits?|valeurs?|oui|jamais|rien|depuis|voisins?|sauvegarde)"
    r"(?![\w-])", re.IGNORECASE)
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,.:;'!?]+[A-Za-z]{2,}")
MARKER = re.compile(r"\bfr:\s*(document|value)\b")
BLOCK = re.compile(r"\bfr:\s*(document|value)\s+(begin|end)\b")

TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>(?:u8|[uUL])?"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<semi>;)
  | (?P<nl>\n)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def looks_french(text):
    return FRENCH_CHARS.search(text) or FRENCH_WORDS.search(text)


def scan(path):
    with open(path, encoding="utf-8") as f:
        src = f.read()
    bad = []
    line = 1
    line_has_code = False
    marked_lines = set()      # lines a marker on the same line covers
    marked_stmt = False       # a marker alone on its line: until ';'
    in_block = False          # between "fr: document begin" and "end"
    block_line = 0            # where the open block began
    stack = []                # identifiers before each open '('
    prev_ident = None
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        tok = m.group()
        if kind == "nl":
            line += 1
            line_has_code = False
            continue
        if kind == "comment":
            block = BLOCK.search(tok)
            if block:
                in_block = block.group(2) == "begin"
                block_line = line
            elif MARKER.search(tok):
                if line_has_code:
                    marked_lines.add(line)
                else:
                    marked_stmt = True
            line += tok.count("\n")
            continue
        if kind == "other" and tok.isspace():
            continue
        line_has_code = True
        if kind == "ident":
            prev_ident = tok
            continue
        if kind == "open":
            stack.append(prev_ident)
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "semi":
            marked_stmt = False
        elif kind == "string":
            call = stack[-1] if stack else None
            if call in WRAPPERS or marked_stmt or in_block:
                pass
            elif looks_french(tok) or (call in PRINTERS and
                                       ENGLISH_WORDS.search(tok)):
                bad.append((line, tok))
        prev_ident = None
    if in_block:
        bad.append((block_line, "(a /* fr: ... begin */ without its end)"))
    # a marker on a line with code also covers that line's literals
    return [(n, t) for n, t in bad if n not in marked_lines]


def selftest(d):
    with open(f"{d}/bad.c", encoding="utf-8") as f:
        want = {n for n, text in enumerate(f, 1) if "/* BAD */" in text}
    got = {n for n, _ in scan(f"{d}/bad.c")}
    good = scan(f"{d}/good.c")
    ok = got == want and not good and want
    print(f"bad.c: expected lines {sorted(want)}, reported {sorted(got)}")
    print(f"good.c: reported {good}")
    return 0 if ok else 1


def main(argv):
    if len(argv) == 3 and argv[1] == "--selftest":
        return selftest(argv[2])
    fails = 0
    for path in argv[1:]:
        for n, tok in scan(path):
            print(f"{path}:{n}: {tok}")
            fails += 1
    if fails:
        print(f"FAIL: {fails} literals look like messages a person reads "
              "but are not in _(), N_(), P_() or ngettext(): give them an "
              "English msgid and their French in po/fr.po, or mark a "
              "French document or value with /* fr: document */ or "
              "/* fr: value */ (docs/internals/i18n.md)", file=sys.stderr)
        return 1
    print(f"{len(argv) - 1} files: every message goes through gettext")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
