/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * verifier.c: the verification thread pool. Jobs sit in one FIFO list
 * from submission until delivery. Workers claim chunks of the first job
 * not yet fully claimed (so that every thread helps with one large batch
 * as well as with several), and count the chunks they finish; the loop
 * thread, woken by ev_async, unlinks the finished jobs at the head of the
 * list and delivers them in order, a few at a time. A job finished
 * before the one ahead of it waits in the list. When the loop has nothing
 * else to do (ev_idle) while chunks wait, it verifies them too, so that a
 * busy machine that starves the workers does not leave it sleeping.
 */
#include "verifier.h"

#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "zip.h"

#define CHUNK 16                    /* changes claimed at once: ~1 ms */
#define THREAD_STACK (256u << 10)   /* verify needs little stack */
#define WORKER_NICE 5               /* on Linux, nice applies per thread */

struct gs_verify_job {
	struct gs_verify_job *next;   /* verifier's list (mutex) */
	size_t n, cap;                /* changes added, room for */
	struct gs_wire_change *w;     /* owned array; ranges point into buf */
	struct gs_change **cs;        /* owned array of owned results */
	int *vrc;                     /* owned array of result codes */
	uint8_t *buf;                 /* owned copy of the wire bytes */
	size_t used, size;            /* bytes of buf used, allocated */
	size_t claimed;               /* changes handed to workers (mutex) */
	size_t finished;              /* changes verified (mutex) */
	void *user;                   /* owned through user_free */
	gs_verify_user_free user_free;
};

struct gs_verifier {
	struct ev_loop *loop;         /* lent */
	ev_async async;               /* workers -> loop: a head job is done */
	ev_idle idle;                 /* the loop helps while chunks wait */
	gs_verifier_done_cb cb;       /* lent */
	void *arg;                    /* lent */
	size_t max_jobs, max_bytes;
	pthread_t th[GS_VERIFIER_MAX_THREADS];
	struct gs_zip *zip;           /* owned: the loop thread's unpacker */
	unsigned nthreads;            /* started (and to be joined) */
	bool delivering;              /* loop thread: inside the done callback */
	bool held;                    /* loop thread: deliver nothing */
	/* guarded by mu */
	pthread_mutex_t mu;
	pthread_cond_t work;          /* a job has chunks left, or stop */
	struct gs_verify_job *head, *tail;
	struct gs_verify_job *todo;   /* first job with chunks unclaimed */
	size_t njobs, nbytes;         /* in the list */
	bool stop;
};

void
gs_verifier_opts_default(struct gs_verifier_opts *opts)
{
	assert(opts);
	opts->threads = 0;
	opts->max_jobs = 256;
	opts->max_bytes = 64u << 20;
}

/* ---- jobs ---- */

int
gs_verify_job_new(size_t n, size_t bytes, void *user,
    gs_verify_user_free user_free, struct gs_verify_job **out)
{
	struct gs_verify_job *j;

	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return GS_ENOMEM;
	j->w = calloc(n ? n : 1, sizeof(*j->w));
	j->cs = calloc(n ? n : 1, sizeof(*j->cs));
	j->vrc = calloc(n ? n : 1, sizeof(*j->vrc));
	j->buf = malloc(bytes ? bytes : 1);
	if (j->w == NULL || j->cs == NULL || j->vrc == NULL || j->buf == NULL) {
		gs_verify_job_destroy(&j);
		return GS_ENOMEM;
	}
	j->cap = n;
	j->size = bytes;
	j->user = user;
	j->user_free = user_free;
	*out = j;
	return 0;
}

void
gs_verify_job_destroy(struct gs_verify_job **jp)
{
	struct gs_verify_job *j;

	if (jp == NULL || *jp == NULL)
		return;
	j = *jp;
	if (j->cs != NULL)
		for (size_t i = 0; i < j->n; i++)
			gs_change_destroy(&j->cs[i]);
	if (j->user_free != NULL)
		j->user_free(j->user);
	free(j->w);
	free(j->cs);
	free(j->vrc);
	free(j->buf);
	free(j);
	*jp = NULL;
}

/* Copies len bytes into j's buffer; NULL stays NULL (an absent body). */
static const uint8_t *
job_copy(struct gs_verify_job *j, const uint8_t *src, size_t len)
{
	uint8_t *dst = j->buf + j->used;

	if (src == NULL)
		return NULL;
	if (len > 0)
		memcpy(dst, src, len);
	j->used += len;
	return dst;
}

int
gs_verify_job_add(struct gs_verify_job *j, const struct gs_wire_change *w)
{
	struct gs_wire_change *d;
	size_t left = j->size - j->used;

	size_t need[7] = { w->header_len, w->sig_len, w->body_len, 0, 0, 0,
	    w->body == NULL && w->packed != NULL ? w->packed_len : 0 };

	if (w->proof_header != NULL) {
		need[3] = w->proof_header_len;
		need[4] = w->proof_sig_len;
		need[5] = w->proof_body_len;
	}
	if (j->n == j->cap)
		return GS_EINVAL;
	for (size_t i = 0; i < 7; i++) {
		if (need[i] > left)
			return GS_EINVAL;
		left -= need[i];
	}
	d = &j->w[j->n];
	memset(d, 0, sizeof(*d));
	d->header = job_copy(j, w->header, w->header_len);
	d->header_len = w->header_len;
	d->sig = job_copy(j, w->sig, w->sig_len);
	d->sig_len = w->sig_len;
	d->body = job_copy(j, w->body, w->body_len);
	d->body_len = w->body != NULL ? w->body_len : 0;
	if (w->body == NULL && w->packed != NULL) {
		d->packed = job_copy(j, w->packed, w->packed_len);
		d->packed_len = w->packed_len;
	}
	if (w->proof_header != NULL) {
		d->proof_header = job_copy(j, w->proof_header,
		    w->proof_header_len);
		d->proof_header_len = w->proof_header_len;
		d->proof_sig = job_copy(j, w->proof_sig, w->proof_sig_len);
		d->proof_sig_len = w->proof_sig_len;
		d->proof_body = job_copy(j, w->proof_body, w->proof_body_len);
		d->proof_body_len = w->proof_body != NULL ?
		    w->proof_body_len : 0;
	}
	j->n++;
	return 0;
}

size_t
gs_verify_job_count(const struct gs_verify_job *j)
{
	return j->n;
}

void *
gs_verify_job_user(const struct gs_verify_job *j)
{
	return j->user;
}

struct gs_change **
gs_verify_job_changes(struct gs_verify_job *j)
{
	return j->cs;
}

const int *
gs_verify_job_codes(const struct gs_verify_job *j)
{
	return j->vrc;
}

/* ---- workers ---- */

/* With mu held: moves todo past the jobs whose chunks are all claimed. */
static void
advance_todo(struct gs_verifier *v)
{
	while (v->todo != NULL && v->todo->claimed == v->todo->n)
		v->todo = v->todo->next;
}

/* With mu held: is the head job complete, so the loop has work? */
static bool
head_done(const struct gs_verifier *v)
{
	return v->head != NULL && v->head->finished == v->head->n;
}

/* With mu held: takes the next chunk of the first job with some left. */
static struct gs_verify_job *
claim_chunk(struct gs_verifier *v, size_t *from, size_t *to)
{
	struct gs_verify_job *j = v->todo;

	*from = j->claimed;
	*to = j->n - *from > CHUNK ? *from + CHUNK : j->n;
	j->claimed = *to;
	advance_todo(v);
	return j;
}

/*
 * Without mu: verifies a claimed chunk. j stays linked until finished ==
 * n, which needs this chunk, and no one else writes these slots.
 */
static void
run_chunk(struct gs_verify_job *j, size_t from, size_t to, struct gs_zip *z)
{
	for (size_t i = from; i < to; i++)
		j->vrc[i] = gs_change_verify_wire(&j->w[i], z, &j->cs[i]);
}

/* With mu held: counts a chunk done; wakes the loop if the head is. */
static void
finish_chunk(struct gs_verifier *v, struct gs_verify_job *j, size_t from,
    size_t to)
{
	j->finished += to - from;
	if (j->finished == j->n && j == v->head)
		ev_async_send(v->loop, &v->async);
}

static void *
worker(void *arg)
{
	struct gs_verifier *v = arg;
	struct gs_verify_job *j;
	struct gs_zip *z = gs_zip_new();   /* NULL: packed bodies refused */
	size_t from, to;

	pthread_setname_np(pthread_self(), "gs-verify");
	if (z == NULL)
		log_warnx("verifier: out of memory for an unpacker");
	/*
	 * Below the loop thread: it applies what we verify, one batch after
	 * another, so it is the one whose wall time the sync waits for. With
	 * as many workers as cores, an equal share would slow it down.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE);
	pthread_mutex_lock(&v->mu);
	for (;;) {
		while (!v->stop && v->todo == NULL)
			pthread_cond_wait(&v->work, &v->mu);
		if (v->stop)
			break;
		j = claim_chunk(v, &from, &to);
		pthread_mutex_unlock(&v->mu);
		run_chunk(j, from, to, z);
		pthread_mutex_lock(&v->mu);
		finish_chunk(v, j, from, to);
	}
	pthread_mutex_unlock(&v->mu);
	gs_zip_free(z);
	return NULL;
}

/* ---- the loop side ---- */

static void
on_async(struct ev_loop *loop, ev_async *w, int revents)
{
	struct gs_verifier *v = w->data;
	struct gs_verify_job *done[GS_VERIFIER_DELIVER_MAX], *j;
	size_t n = 0;
	bool more;

	(void)revents;
	if (v->held)
		return;   /* gs_verifier_hold(v, false) wakes us again */
	pthread_mutex_lock(&v->mu);
	while (n < GS_VERIFIER_DELIVER_MAX && head_done(v)) {
		j = v->head;
		v->head = j->next;
		if (v->head == NULL)
			v->tail = NULL;
		v->njobs--;
		v->nbytes -= j->size;
		j->next = NULL;
		done[n++] = j;
	}
	more = head_done(v);
	pthread_mutex_unlock(&v->mu);
	if (n > 0) {
		v->delivering = true;
		v->cb(done, n, v->arg);
		v->delivering = false;
	}
	for (size_t i = 0; i < n; i++)
		gs_verify_job_destroy(&done[i]);
	/* the rest on the next turn: the loop serves its other watchers */
	if (more && !v->held)
		ev_async_send(loop, &v->async);
}

void
gs_verifier_hold(struct gs_verifier *v, bool hold)
{
	assert(v);
	if (v->held == hold)
		return;
	v->held = hold;
	if (!hold)
		ev_async_send(v->loop, &v->async);
}

/*
 * The loop has nothing else to do (ev_idle runs only then) while chunks
 * wait: it verifies one itself rather than sleep until a worker gets the
 * CPU, which on a busy machine may take a while. One chunk at a time
 * (~1 ms), so that a message arriving meanwhile waits no longer.
 */
static void
on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct gs_verifier *v = w->data;
	struct gs_verify_job *j = NULL;
	size_t from = 0, to = 0;
	bool left;

	(void)revents;
	pthread_mutex_lock(&v->mu);
	if (v->todo != NULL)
		j = claim_chunk(v, &from, &to);
	pthread_mutex_unlock(&v->mu);
	if (j != NULL)
		run_chunk(j, from, to, v->zip);
	pthread_mutex_lock(&v->mu);
	if (j != NULL)
		finish_chunk(v, j, from, to);
	left = v->todo != NULL;
	pthread_mutex_unlock(&v->mu);
	if (!left)
		ev_idle_stop(loop, &v->idle);
}

int
gs_verifier_submit(struct gs_verifier *v, struct gs_verify_job **jp)
{
	struct gs_verify_job *j = *jp;
	size_t n = j->n;   /* j is the workers' once linked */

	*jp = NULL;
	pthread_mutex_lock(&v->mu);
	if (v->njobs > 0 && (v->njobs >= v->max_jobs ||
	    v->nbytes + j->size > v->max_bytes)) {
		pthread_mutex_unlock(&v->mu);
		gs_verify_job_destroy(&j);
		return GS_EBUSY;
	}
	j->next = NULL;
	if (v->tail != NULL)
		v->tail->next = j;
	else
		v->head = j;
	v->tail = j;
	v->njobs++;
	v->nbytes += j->size;
	if (v->todo == NULL && n > 0)
		v->todo = j;
	if (n > 0)
		pthread_cond_broadcast(&v->work);
	else if (head_done(v))
		ev_async_send(v->loop, &v->async);   /* nothing to verify */
	pthread_mutex_unlock(&v->mu);
	if (n > 0)
		ev_idle_start(v->loop, &v->idle);
	return 0;
}

static unsigned
thread_count(unsigned asked)
{
	long cpus;

	if (asked == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		asked = cpus < 1 ? 1 : (unsigned)(cpus > 64 ? 64 : cpus);
	}
	return asked > GS_VERIFIER_MAX_THREADS ? GS_VERIFIER_MAX_THREADS :
	    asked;
}

/* Starts the workers with every signal blocked, so libev keeps them. */
static int
start_threads(struct gs_verifier *v, unsigned n)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int ret = GS_EIO;

	if (pthread_attr_init(&attr) != 0)
		return GS_ENOMEM;
	(void)pthread_attr_setstacksize(&attr, THREAD_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (v->nthreads = 0; v->nthreads < n; v->nthreads++)
		if (pthread_create(&v->th[v->nthreads], &attr, worker, v) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (v->nthreads == n)
		ret = 0;
	else
		log_warnx("verifier: cannot start thread %u of %u",
		    v->nthreads + 1, n);
	return ret;
}

int
gs_verifier_new(struct ev_loop *loop, const struct gs_verifier_opts *opts,
    gs_verifier_done_cb cb, void *arg, struct gs_verifier **out)
{
	struct gs_verifier *v;
	int ret = GS_ENOMEM;

	assert(loop && opts && cb && out);
	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ret;
	v->loop = loop;
	v->cb = cb;
	v->arg = arg;
	v->max_jobs = opts->max_jobs ? opts->max_jobs : 1;
	v->max_bytes = opts->max_bytes;
	if ((v->zip = gs_zip_new()) == NULL) {
		free(v);
		return ret;
	}
	if (pthread_mutex_init(&v->mu, NULL) != 0) {
		gs_zip_free(v->zip);
		free(v);
		return ret;
	}
	if (pthread_cond_init(&v->work, NULL) != 0) {
		pthread_mutex_destroy(&v->mu);
		gs_zip_free(v->zip);
		free(v);
		return ret;
	}
	ev_async_init(&v->async, on_async);
	v->async.data = v;
	ev_async_start(loop, &v->async);
	ev_idle_init(&v->idle, on_idle);
	v->idle.data = v;
	ret = start_threads(v, thread_count(opts->threads));
	if (ret != 0) {
		gs_verifier_destroy(&v);
		return ret;
	}
	*out = v;
	return 0;
}

void
gs_verifier_destroy(struct gs_verifier **vp)
{
	struct gs_verifier *v;
	struct gs_verify_job *j;

	if (vp == NULL || *vp == NULL)
		return;
	v = *vp;
	assert(!v->delivering);
	pthread_mutex_lock(&v->mu);
	v->stop = true;
	pthread_cond_broadcast(&v->work);
	pthread_mutex_unlock(&v->mu);
	for (unsigned i = 0; i < v->nthreads; i++)
		pthread_join(v->th[i], NULL);
	/* the workers are gone: the list is ours alone */
	while ((j = v->head) != NULL) {
		v->head = j->next;
		gs_verify_job_destroy(&j);
	}
	ev_async_stop(v->loop, &v->async);
	ev_idle_stop(v->loop, &v->idle);
	pthread_cond_destroy(&v->work);
	pthread_mutex_destroy(&v->mu);
	gs_zip_free(v->zip);
	free(v);
	*vp = NULL;
}

unsigned
gs_verifier_threads(const struct gs_verifier *v)
{
	return v->nthreads;
}
