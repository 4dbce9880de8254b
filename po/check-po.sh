#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# check-po.sh PO WORK SOURCES...: fails if a message of SOURCES has no
# translation in PO, or a fuzzy one, or PO does not compile. Extracts the
# messages afresh (a string added to the code and not to PO counts as
# untranslated). Entries of PO no longer in the code are listed, not fatal.
set -eu
po="$1" work="$2"
shift 2
rm -rf "$work"
mkdir -p "$work"
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=P_:1c,2 \
	--package-name=gemsync -o "$work/gemsync.pot" "$@"
msgfmt --check -o /dev/null "$po"
msgmerge --quiet --no-fuzzy-matching -o "$work/merged.po" "$po" "$work/gemsync.pot"
msgattrib --untranslated --no-obsolete -o "$work/untranslated.po" "$work/merged.po"
msgattrib --only-fuzzy --no-obsolete -o "$work/fuzzy.po" "$work/merged.po"
msgattrib --only-obsolete -o "$work/obsolete.po" "$work/merged.po"
count() { [ -s "$1" ] && grep -c '^msgid ' "$1" | awk '{print $1 - 1}' || echo 0; }
nu=$(count "$work/untranslated.po")
nf=$(count "$work/fuzzy.po")
no=$(grep -c '^#~ msgid ' "$work/obsolete.po" 2>/dev/null || true)
echo "$po: $(msgfmt --statistics -o /dev/null "$work/merged.po" 2>&1)"
if [ "${no:-0}" -gt 0 ]; then
	echo "note: $no entries of $po are no longer in the code (make gs_po_update drops them)"
fi
if [ "$nu" -gt 0 ] || [ "$nf" -gt 0 ]; then
	echo "FAIL: $nu untranslated and $nf fuzzy messages in $po:" >&2
	cat "$work/untranslated.po" "$work/fuzzy.po" | grep -A1 '^#:' >&2 || true
	echo "translate them in $po (docs/internals/i18n.md)" >&2
	exit 1
fi
