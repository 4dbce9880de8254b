/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_jsonw.c: the JSON text writer produces exactly what jansson's
 * compact, key-sorted dump produces for the same document, including
 * string escapes, and refuses unbalanced documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonw.h"

/* Escapes of every control character, quotes, backslashes and UTF-8. */
static const char *const strings[] = {
	"", "Atelier écriture", "guillemets \" et \\ barre", "a/b",
	"\x01\x02\x1f tab\t nl\n cr\r bs\b ff\f", "€ 𝄞 ", "\x7f",
};

static void
same_as_jansson(void **state)
{
	struct gs_jw w;
	json_t *doc = json_object(), *arr = json_array(), *inner;
	char *mine, *theirs;

	(void)state;
	gs_jw_init(&w);
	gs_jw_obj(&w);
	gs_jw_key(&w, "a");
	gs_jw_arr(&w);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		gs_jw_str(&w, strings[i]);
		json_array_append_new(arr, json_string(strings[i]));
	}
	gs_jw_arr_end(&w);
	json_object_set_new(doc, "a", arr);
	gs_jw_key(&w, "b");
	gs_jw_obj(&w);
	gs_jw_key(&w, "empty");
	gs_jw_arr(&w);
	gs_jw_arr_end(&w);
	gs_jw_key(&w, "n");
	gs_jw_null(&w);
	gs_jw_key(&w, "neg");
	gs_jw_int(&w, -42);
	gs_jw_key(&w, "t");
	gs_jw_bool(&w, true);
	gs_jw_obj_end(&w);
	inner = json_pack("{s:[],s:n,s:I,s:b}", "empty", "n", "neg", (json_int_t)-42,
	    "t", 1);
	json_object_set_new(doc, "b", inner);
	gs_jw_key(&w, "c");
	gs_jw_raw(&w, "{\"x\":1}");
	json_object_set_new(doc, "c", json_pack("{s:i}", "x", 1));
	gs_jw_key(&w, "d");
	gs_jw_bool(&w, false);
	json_object_set_new(doc, "d", json_false());
	gs_jw_obj_end(&w);
	mine = gs_jw_finish(&w);
	theirs = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(mine);
	assert_string_equal(mine, theirs);
	free(mine);
	free(theirs);
	json_decref(doc);
}

static void
unbalanced_refused(void **state)
{
	struct gs_jw w;

	(void)state;
	gs_jw_init(&w);
	gs_jw_obj(&w);
	gs_jw_key(&w, "a");
	gs_jw_arr(&w);
	assert_null(gs_jw_finish(&w));
	gs_jw_init(&w);
	gs_jw_arr_end(&w);
	assert_null(gs_jw_finish(&w));
	gs_jw_init(&w);
	for (int i = 0; i < GS_JW_DEPTH + 1; i++)
		gs_jw_arr(&w);
	assert_null(gs_jw_finish(&w));
	gs_jw_free(&w);
}

static void
large_document(void **state)
{
	struct gs_jw w;
	char *text;
	json_t *back;

	(void)state;
	gs_jw_init(&w);
	gs_jw_arr(&w);
	for (int i = 0; i < 20000; i++)
		gs_jw_str(&w, "un atelier d'écriture au long cours");
	gs_jw_arr_end(&w);
	text = gs_jw_finish(&w);
	assert_non_null(text);
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(back), 20000);
	json_decref(back);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_jansson),
		cmocka_unit_test(unbalanced_refused),
		cmocka_unit_test(large_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
