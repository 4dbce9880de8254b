/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fields.c: the sorted name -> value map behind every item body and state,
 * and its canonical gs.Body encoding. Encoding writes the fields in map
 * order, which is the canonical order. Decoding is strict and ends by
 * encoding what it read again and comparing the bytes with its input: any
 * difference (unknown protobuf fields, odd varints, a NUL hidden inside a
 * string, reordered fields) means the input was not canonical, so two sites
 * can never hash the same fields differently.
 */
#include "fields.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "change.pb-c.h"
#include "err.h"
#include "grow.h"
#include "pbuf.h"

/* Bodies above this are refused before protobuf-c allocates anything. */
#define GS_FIELDS_WIRE_MAX (128 * 1024)
/* What unpacking one body may allocate (structs, pointers and strings). */
#define GS_FIELDS_UNPACK_MAX (4 * GS_FIELDS_WIRE_MAX + 65536)

/*
 * A field's name and value live in one allocation, "name\0value\0":
 * name points at its start (and is what is freed), value into it.
 */
static int
field_make(struct gs_field *fl, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	char *p = malloc(nlen + vlen + 2);

	if (p == NULL)
		return GS_ENOMEM;
	memcpy(p, name, nlen);
	p[nlen] = '\0';
	memcpy(p + nlen + 1, value, vlen);
	p[nlen + 1 + vlen] = '\0';
	fl->name = p;
	fl->value = p + nlen + 1;
	return 0;
}

/* strcmp, without the call when the first bytes already differ. */
static inline int
name_cmp(const char *a, const char *b)
{
	int c = (unsigned char)a[0] - (unsigned char)b[0];

	return c != 0 ? c : strcmp(a, b);
}

void
gs_fields_init(struct gs_fields *f)
{
	assert(f);
	f->v = NULL;
	f->n = 0;
	f->cap = 0;
}

void
gs_fields_clear(struct gs_fields *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].name);     /* the value shares its allocation */
	free(f->v);
	gs_fields_init(f);
}

/*
 * Binary search for name. Returns 1 and *pos = its index when found,
 * 0 and *pos = the index where it belongs otherwise.
 */
static int
find(const struct gs_fields *f, const char *name, size_t *pos)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(f->v[mid].name, name);
		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

int
gs_fields_set(struct gs_fields *f, const char *name, const char *value)
{
	struct gs_field fl;
	size_t pos;
	int found;

	assert(f && name && value);
	found = find(f, name, &pos);
	/* value may be lent by f itself: copy before freeing anything */
	if (field_make(&fl, name, strlen(name), value, strlen(value)) != 0)
		return GS_ENOMEM;
	if (found) {
		free(f->v[pos].name);
		f->v[pos] = fl;
		return 0;
	}
	if (gs_grow(&f->v, &f->cap, f->n, sizeof(*f->v), 8) != 0) {
		free(fl.name);
		return GS_ENOMEM;
	}
	memmove(&f->v[pos + 1], &f->v[pos], (f->n - pos) * sizeof(f->v[0]));
	f->v[pos] = fl;
	f->n++;
	return 0;
}

const char *
gs_fields_get(const struct gs_fields *f, const char *name)
{
	size_t pos;

	assert(f && name);
	if (!find(f, name, &pos))
		return NULL;
	return f->v[pos].value;
}

void
gs_fields_del(struct gs_fields *f, const char *name)
{
	size_t pos;

	assert(f && name);
	if (!find(f, name, &pos))
		return;
	free(f->v[pos].name);
	memmove(&f->v[pos], &f->v[pos + 1], (f->n - pos - 1) * sizeof(f->v[0]));
	f->n--;
}

int
gs_fields_copy(struct gs_fields *dst, const struct gs_fields *src)
{
	int ret = GS_ENOMEM;
	struct gs_fields tmp;

	assert(dst && src);
	gs_fields_init(&tmp);
	if (src->n > 0) {
		tmp.v = calloc(src->n, sizeof(tmp.v[0]));
		if (tmp.v == NULL)
			goto out;
		tmp.cap = src->n;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct gs_field *s = &src->v[i];

		if (field_make(&tmp.v[i], s->name, strlen(s->name), s->value,
		    strlen(s->value)) != 0)
			goto out;
		tmp.n++;
	}
	ret = 0;
out:
	gs_fields_clear(dst);
	if (ret == 0)
		*dst = tmp;
	else
		gs_fields_clear(&tmp);
	return ret;
}

int
gs_fields_equal(const struct gs_fields *a, const struct gs_fields *b)
{
	assert(a && b);
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].name, b->v[i].name) != 0 ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return 0;
	}
	return 1;
}

/*
 * Points body at f's fields, through items and ptrs (f->n slots each),
 * without copying a string.
 */
static void
body_view(const struct gs_fields *f, Gs__Field *items, Gs__Field **ptrs,
    Gs__Body *body)
{
	gs__body__init(body);
	for (size_t i = 0; i < f->n; i++) {
		gs__field__init(&items[i]);
		items[i].name = f->v[i].name;
		items[i].value = f->v[i].value;
		ptrs[i] = &items[i];
	}
	body->n_fields = f->n;
	body->fields = ptrs;
}

int
gs_fields_encode(const struct gs_fields *f, uint8_t **out, size_t *outlen)
{
	int ret = GS_ENOMEM;
	Gs__Body body;
	Gs__Field stack_items[GS_FIELDS_MAX], *items = stack_items;
	Gs__Field *stack_ptrs[GS_FIELDS_MAX], **ptrs = stack_ptrs;
	uint8_t *buf = NULL;
	size_t len;

	assert(f && out && outlen);
	*out = NULL;
	*outlen = 0;
	if (f->n > GS_FIELDS_MAX) {     /* a state may hold more than a body */
		items = calloc(f->n, sizeof(*items));
		ptrs = calloc(f->n, sizeof(*ptrs));
		if (items == NULL || ptrs == NULL)
			goto out;
	}
	body_view(f, items, ptrs, &body);
	len = gs__body__get_packed_size(&body);
	/* An empty body packs to zero bytes; malloc(0) may return NULL. */
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		goto out;
	if (gs__body__pack(&body, buf) != len) {
		ret = GS_EPROTO;
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (ptrs != stack_ptrs)
		free(ptrs);
	if (items != stack_items)
		free(items);
	return ret;
}

/* A protobuf-c output that compares what is packed with expected bytes. */
struct cmp_buffer {
	ProtobufCBuffer base;
	const uint8_t *want;
	size_t len, at;
	bool differs;
};

static void
cmp_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	struct cmp_buffer *c = (struct cmp_buffer *)b;

	if (c->differs || len > c->len - c->at ||
	    (len > 0 && memcmp(c->want + c->at, data, len) != 0)) {
		c->differs = true;
		return;
	}
	c->at += len;
}

/* 1 if encoding f gives exactly buf (len bytes), without a copy. */
static int
encodes_to(const struct gs_fields *f, const uint8_t *buf, size_t len)
{
	Gs__Body body;
	Gs__Field items[GS_FIELDS_MAX], *ptrs[GS_FIELDS_MAX];
	struct cmp_buffer c = { .base.append = cmp_append, .want = buf,
	    .len = len };

	assert(f->n <= GS_FIELDS_MAX);
	body_view(f, items, ptrs, &body);
	gs__body__pack_to_buffer(&body, &c.base);
	return !c.differs && c.at == len;
}

/*
 * 1 if name is 1..GS_FIELD_NAME_MAX bytes of [a-z0-9_], or such a name
 * followed by "@" and [0-9-] (a series' per-date field, "place@2026-12-22";
 * the schema checks the date).
 */
static int
name_valid(const char *name)
{
	size_t len = strlen(name);
	int dated = 0;

	if (len == 0 || len > GS_FIELD_NAME_MAX || name[0] == '@')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '@' && !dated && i + 1 < len)
			dated = 1;
		else if (dated ? !((c >= '0' && c <= '9') || c == '-') :
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_'))
			return 0;
	}
	return 1;
}

static int decode(const uint8_t *buf, size_t len, struct gs_fields *out,
    bool recheck);

int
gs_fields_decode(const uint8_t *buf, size_t len, struct gs_fields *out)
{
	return decode(buf, len, out, true);
}

int
gs_fields_decode_own(const uint8_t *buf, size_t len, struct gs_fields *out)
{
	return decode(buf, len, out, false);
}

/*
 * recheck: encode again and compare, to refuse any non-canonical bytes.
 * The message is unpacked into an arena (one block for the whole body)
 * and each field copied out in one allocation, in the order read, which
 * is checked to be the map's order.
 */
static int
decode(const uint8_t *buf, size_t len, struct gs_fields *out, bool recheck)
{
	int ret = GS_EPROTO;
	Gs__Body *body = NULL;
	struct gs_pbuf_arena arena;
	const char *prev = NULL;

	assert(out && out->n == 0);
	assert(buf || len == 0);
	gs_pbuf_arena_init(&arena, GS_FIELDS_UNPACK_MAX);
	if (len > GS_FIELDS_WIRE_MAX)
		goto out;
	body = gs__body__unpack(&arena.alloc, len, buf);
	if (body == NULL)
		goto out;
	if (body->n_fields > GS_FIELDS_MAX)
		goto out;
	if (body->n_fields > out->cap) {
		struct gs_field *v = realloc(out->v,
		    body->n_fields * sizeof(*v));
		if (v == NULL) {
			ret = GS_ENOMEM;
			goto out;
		}
		out->v = v;
		out->cap = body->n_fields;
	}
	for (size_t i = 0; i < body->n_fields; i++) {
		const Gs__Field *fl = body->fields[i];
		size_t vlen;

		if (fl == NULL || fl->name == NULL || fl->value == NULL)
			goto out;
		if (!name_valid(fl->name))
			goto out;
		if (prev != NULL && strcmp(prev, fl->name) >= 0)
			goto out;
		prev = fl->name;
		vlen = strlen(fl->value);
		if (vlen > GS_FIELD_VALUE_MAX || !gs_utf8_valid(fl->value, vlen))
			goto out;
		if (field_make(&out->v[i], fl->name, strlen(fl->name),
		    fl->value, vlen) != 0) {
			ret = GS_ENOMEM;
			goto out;
		}
		out->n++;
	}
	/*
	 * protobuf-c hands strings back NUL-terminated, so a NUL inside a
	 * wire string shortens it silently; encoding again shows it, and any
	 * other non-canonical spelling, as a byte difference.
	 */
	if (recheck && !encodes_to(out, buf, len))
		goto out;
	ret = 0;
out:
	gs_pbuf_arena_release(&arena);
	if (ret != 0)
		gs_fields_clear(out);
	return ret;
}

int
gs_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (len > 0 && s == NULL)
		return 0;
	while (i < len) {
		unsigned char c;
		uint32_t cp;
		size_t need;

		/* eight ASCII bytes at a time, none of them NUL */
		while (len - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (((w | ((w - 0x0101010101010101ULL) & ~w)) &
			    0x8080808080808080ULL) != 0)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		c = p[i];
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;       /* continuation, overlong C0/C1, > F4 */
		}
		if (len - i - 1 < need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			unsigned char cc = p[i + k];
			if ((cc & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
			return 0;       /* overlong */
		if (cp >= 0xd800 && cp <= 0xdfff)
			return 0;       /* surrogate */
		if (cp > 0x10ffff)
			return 0;
		i += need + 1;
	}
	return 1;
}
