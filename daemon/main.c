/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c: gemsyncd, the per-site daemon. Reads the configuration, opens
 * the replica, binds the control socket and the peer listener, and runs
 * one libev loop until SIGTERM or SIGINT. SIGHUP re-reads the
 * configuration. Startup failures are fatal with a clear message; runtime
 * faults are logged and survived.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "backup.h"
#include "config.h"
#include "control.h"
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "gossip.h"
#include "hlc.h"
#include "item.h"
#include "log.h"
#include "replica.h"
#include "siteid.h"
#include "store.h"
#include "transport.h"

#define DEFAULT_CONF "/etc/gemsync/gemsyncd.conf"
#define CHECKPOINT_S 300.0
#define IDLE_S 5.0              /* memory is given back after 5-10 s idle */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gemsyncd [-c FICHIER] [-n] [-d]\n"
	    "       gemsyncd --init [-c FICHIER] [--passphrase-file FICHIER]\n"
	    "       gemsyncd --restore SAUVEGARDE [-c FICHIER] [--force]\n"
	    "                [--backup-passphrase-file FICHIER]\n"
	    "\n"
	    "  -c FICHIER   configuration (défaut : $GEMSYNC_CONF ou "
	    DEFAULT_CONF ")\n"
	    "  -n           vérifie la configuration et s'arrête\n"
	    "  -d           journal détaillé (debug)\n"
	    "  --init       crée l'identité, la clé de stockage et la base du site\n"
	    "  --passphrase-file FICHIER\n"
	    "               protège la clé de stockage par une phrase secrète\n"
	    "  --restore SAUVEGARDE\n"
	    "               remet le site d'une sauvegarde (gemsyncd arrêté) ;\n"
	    "               il rattrape ensuite ses changements auprès des\n"
	    "               sites voisins avant d'accepter une écriture\n"
	    "  --force      remplace le site déjà présent dans data_dir\n"
	    "  --backup-passphrase-file FICHIER\n"
	    "               phrase secrète des clés de la sauvegarde (sinon\n"
	    "               $GEMSYNC_BACKUP_PASSPHRASE)\n");
}

/* Tells systemd (Type=notify) that the daemon is ready, if it asked. */
static void
notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path))) < 0)
		log_warn("main: sd_notify");
	close(fd);
}

/* The site profile the configuration describes. */

static int
publish_profile(struct gs_daemon *d)
{
	struct gs_fields f;
	struct gs_verr v;
	int rc;

	memset(&v, 0, sizeof(v));
	gs_fields_init(&f);
	rc = gs_daemon_profile(d->cfg, gs_replica_pk(d->replica), &f);
	if (rc == 0)
		rc = gs_replica_publish_profile(d->replica, &f, &v);
	/* a restored site publishes once it has caught up (on_idle) */
	d->profile_pending = rc == GS_ECATCHUP;
	if (rc == GS_ECATCHUP)
		log_info("main: site profile published after the catch-up");
	else if (rc == GS_EINVAL)
		log_warnx("main: site profile not published: [site] %s: %s",
		    v.field, v.rule);
	else if (rc != 0)
		log_warnx("main: site profile not published: %s",
		    gs_strerror(rc));
	gs_fields_clear(&f);
	return rc;
}

static void
on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("main: signal %d, stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/*
 * SQLite checkpoints the WAL on commits past 1,000 pages; a quiet site
 * commits little, so the WAL is also folded back every few minutes.
 */
static void
on_checkpoint(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_daemon *d = w->data;
	int rc;

	(void)loop;
	(void)revents;
	rc = gs_store_checkpoint(d->store);
	if (rc != 0)
		log_warnx("main: wal checkpoint: %s", gs_strerror(rc));
}

static void
on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct gs_daemon *d = w->data;
	struct gs_config *cfg = NULL;
	char err[512];

	(void)loop;
	(void)revents;
	if (gs_daemon_load_config(d->cfg->path, &cfg, err, sizeof(err)) != 0) {
		log_warnx("main: reload refused, keeping the running "
		    "configuration: %s", err);
		return;
	}
	if (strcmp(cfg->data_dir, d->cfg->data_dir) != 0 ||
	    strcmp(cfg->listen, d->cfg->listen) != 0 ||
	    strcmp(cfg->control, d->cfg->control) != 0)
		log_warnx("main: data_dir, listen and control changes take "
		    "effect at the next restart");
	gs_log_level = cfg->log_level;
	gs_config_destroy(&d->cfg);
	d->cfg = cfg;
	publish_profile(d);
	log_info("main: configuration reloaded");
}

static char *
read_passphrase(const struct gs_config *cfg, const char *override)
{
	struct gs_config tmp;
	char *pass;
	int err;

	tmp = *cfg;
	if (override != NULL)
		tmp.passphrase_file = (char *)override;
	pass = gs_config_passphrase(&tmp, &err);
	if (err != 0)
		fatalx("main: passphrase file %s: %s%s", tmp.passphrase_file,
		    gs_strerror(err), err == GS_EPERM ?
		    " (it must not be readable by group or others)" : "");
	return pass;
}

static void
free_passphrase(char *p)
{
	if (p != NULL) {
		gs_wipe(p, strlen(p));
		free(p);
	}
}

/* The backup passphrase: from file, else $GEMSYNC_BACKUP_PASSPHRASE. */
static char *
read_backup_passphrase(const char *file)
{
	struct gs_config tmp;
	const char *env;
	char *pass;
	int err;

	if (file == NULL) {
		env = getenv("GEMSYNC_BACKUP_PASSPHRASE");
		return env != NULL && env[0] != '\0' ? strdup(env) : NULL;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.passphrase_file = (char *)file;
	pass = gs_config_passphrase(&tmp, &err);
	if (err != 0)
		fatalx("main: passphrase file %s: %s%s", file, gs_strerror(err),
		    err == GS_EPERM ?
		    " (it must not be readable by group or others)" : "");
	return pass;
}

static int
run_restore(const struct gs_config *cfg, const char *file,
    const char *passfile, bool force)
{
	struct gs_restore_opts o;
	char err[1024];
	int rc;

	memset(&o, 0, sizeof(o));
	o.file = file;
	o.data_dir = cfg->data_dir;
	o.key_file = cfg->key_file;
	o.passphrase = read_backup_passphrase(passfile);
	o.store_pass = read_passphrase(cfg, NULL);
	o.max_drift_s = cfg->max_drift_s;
	o.force = force;
	rc = gs_backup_restore(&o, err, sizeof(err));
	free_passphrase((char *)o.passphrase);
	free_passphrase((char *)o.store_pass);
	if (rc != 0) {
		fprintf(stderr, "gemsyncd: %s\n", err);
		return 1;
	}
	printf("site restauré dans %s.\nAu démarrage, gemsyncd rattrape "
	    "d'abord auprès des sites voisins les changements que ce site a "
	    "faits après la sauvegarde : jusque-là il refuse les écritures "
	    "(« rattrapage en cours », visible dans gemsync status).\n",
	    cfg->data_dir);
	return 0;
}

static int
run_init(const struct gs_config *cfg, const char *passfile)
{
	char err[512], *pass = read_passphrase(cfg, passfile);
	struct gs_identity *id = NULL;
	int rc;

	rc = gs_replica_init_site(cfg->data_dir, cfg->key_file, pass, err,
	    sizeof(err));
	if (rc != 0) {
		free_passphrase(pass);
		fprintf(stderr, "gemsyncd: %s\n", err);
		return rc == GS_EEXISTS ? 1 : 1;
	}
	rc = gs_identity_load(cfg->data_dir, pass, &id);
	free_passphrase(pass);
	if (rc == 0) {
		printf("site créé dans %s\nidentifiant du site : %s\n",
		    cfg->data_dir, gs_identity_siteid(id));
		gs_identity_destroy(&id);
	}
	return 0;
}

/*
 * Before the loop blocks, no request or batch is being handled: the only
 * moment the item cache may drop the items it lent.
 */
static void
on_trim(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct gs_daemon *d = w->data;

	(void)loop;
	(void)revents;
	gs_replica_trim(d->replica);
}

static void
on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->profile_pending && !gs_replica_catching_up(d->replica))
		publish_profile(d);
	gs_replica_idle(d->replica);
}

static int
run_daemon(struct gs_daemon *d)
{
	struct gs_replica_opts o;
	struct gs_transport_opts to;
	char err[512], *pass;
	int rc;

	pass = read_passphrase(d->cfg, NULL);
	memset(&o, 0, sizeof(o));
	o.data_dir = d->cfg->data_dir;
	o.key_file = d->cfg->key_file;
	o.passphrase = pass;
	o.max_drift_s = d->cfg->max_drift_s;
	rc = gs_daemon_open_site(d, &o, err, sizeof(err));
	free_passphrase(pass);
	if (rc != 0) {
		fprintf(stderr, "gemsyncd: %s\n", err);
		return 1;
	}
	d->loop = EV_DEFAULT;
	gs_transport_opts_default(&to);
	to.max_frame = d->cfg->max_frame;
	to.heartbeat_ms = d->cfg->heartbeat_s * 1000;
	if (gs_transport_new(d->loop, &to, &d->transport) != 0) {
		fprintf(stderr, "gemsyncd: cannot create the ZeroMQ context\n");
		return 1;
	}
	rc = gs_control_start(d, &d->control);
	if (rc == GS_EBUSY) {
		fprintf(stderr, "gemsyncd: un autre gemsyncd répond déjà sur "
		    "%s : arrêtez-le d'abord, ou donnez à ce site son propre "
		    "data_dir et son propre socket de contrôle\n",
		    d->cfg->control);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "gemsyncd: impossible d'ouvrir le socket de "
		    "contrôle %s : %s\n", d->cfg->control, gs_strerror(rc));
		return 1;
	}
	publish_profile(d);
	rc = gs_gossip_start(d, &d->gossip);
	if (rc != 0) {
		fprintf(stderr, "gemsyncd: impossible d'écouter sur %s : %s "
		    "(port déjà pris ?)\n", d->cfg->listen, gs_strerror(rc));
		return 1;
	}
	ev_signal_init(&d->sigterm, on_stop, SIGTERM);
	ev_signal_init(&d->sigint, on_stop, SIGINT);
	ev_signal_init(&d->sighup, on_hup, SIGHUP);
	d->sighup.data = d;
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
	ev_signal_start(d->loop, &d->sighup);
	ev_timer_init(&d->checkpoint, on_checkpoint, CHECKPOINT_S, CHECKPOINT_S);
	d->checkpoint.data = d;
	ev_timer_start(d->loop, &d->checkpoint);
	ev_prepare_init(&d->trim, on_trim);
	d->trim.data = d;
	ev_prepare_start(d->loop, &d->trim);
	ev_timer_init(&d->idle, on_idle, IDLE_S, IDLE_S);
	d->idle.data = d;
	ev_timer_start(d->loop, &d->idle);
	signal(SIGPIPE, SIG_IGN);
	log_info("main: site %s serving (%s, control %s)",
	    gs_identity_siteid(gs_replica_identity(d->replica)),
	    d->cfg->listen[0] ? d->cfg->listen : "no listener",
	    d->cfg->control);
	notify_ready();
	ev_run(d->loop, 0);
	return 0;
}

static void
daemon_cleanup(struct gs_daemon *d)
{
	if (d->loop != NULL) {
		ev_signal_stop(d->loop, &d->sigterm);
		ev_signal_stop(d->loop, &d->sigint);
		ev_signal_stop(d->loop, &d->sighup);
		ev_timer_stop(d->loop, &d->checkpoint);
		ev_prepare_stop(d->loop, &d->trim);
		ev_timer_stop(d->loop, &d->idle);
	}
	gs_gossip_stop(&d->gossip);
	gs_control_stop(&d->control);
	gs_transport_destroy(&d->transport);
	gs_daemon_close_site(d);
	gs_config_destroy(&d->cfg);
}

/*
 * The test hook of hlc.h: GEMSYNC_TEST_CLOCK_OFFSET (seconds, signed)
 * shifts this daemon's clock, so that tests can run a site whose clock is
 * wrong. Said loudly in the log: a site in service never sets it.
 */
static void
test_clock_hook(void)
{
	const char *v = getenv("GEMSYNC_TEST_CLOCK_OFFSET");
	char *end = NULL;
	long long s;

	if (v == NULL || v[0] == '\0')
		return;
	s = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || s < -3153600000LL || s > 3153600000LL) {
		log_warnx("main: GEMSYNC_TEST_CLOCK_OFFSET=%.32s ignored (seconds "
		    "expected)", v);
		return;
	}
	gs_wall_set_test_offset((int64_t)s * 1000);
	log_warnx("main: test hook: this daemon's clock is shifted by %lld s "
	    "(GEMSYNC_TEST_CLOCK_OFFSET)", s);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "init", no_argument, NULL, 'I' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "restore", required_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'F' },
		{ "backup-passphrase-file", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_daemon d;
	const char *conf = getenv("GEMSYNC_CONF"), *passfile = NULL;
	const char *restore = NULL, *backup_passfile = NULL;
	int ch, check = 0, init = 0, debug = 0, force = 0, rc;
	char err[512];

	memset(&d, 0, sizeof(d));
	/*
	 * A fixed mmap threshold (glibc's grows to the largest block freed):
	 * the megabyte buffers of a large control reply or batch then live in
	 * their own mappings and go back to the system when freed, instead of
	 * growing the heap and making malloc consolidate it.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* keys, database and sockets are this site's alone */
	umask(077);
	while ((ch = getopt_long(argc, argv, "c:ndh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': check = 1; break;
		case 'd': debug = 1; break;
		case 'I': init = 1; break;
		case 'P': passfile = optarg; break;
		case 'R': restore = optarg; break;
		case 'F': force = 1; break;
		case 'B': backup_passfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf == NULL && access(DEFAULT_CONF, R_OK) == 0)
		conf = DEFAULT_CONF;
	if (gs_daemon_load_config(conf, &d.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "gemsyncd: configuration : %s\n", err);
		return 2;
	}
	gs_log_level = debug ? GS_LOG_DEBUG : d.cfg->log_level;
	if (check) {
		printf("configuration ok : %s\n", conf ? conf : "(défauts)");
		gs_config_destroy(&d.cfg);
		return 0;
	}
	if (gs_crypto_init() != 0) {
		fprintf(stderr, "gemsyncd: libsodium cannot start\n");
		gs_config_destroy(&d.cfg);
		return 1;
	}
	test_clock_hook();
	d.started = time(NULL);
	if (init)
		rc = run_init(d.cfg, passfile);
	else if (restore != NULL)
		rc = run_restore(d.cfg, restore, backup_passfile, force);
	else
		rc = run_daemon(&d);
	if (d.loop != NULL)
		ev_timer_stop(d.loop, &d.rotate_wait);
	daemon_cleanup(&d);
	if (rc == 0 && d.reexec) {
		/* key rotation: the new key is loaded from the start */
		log_info("main: restarting with the new site key");
		execv("/proc/self/exe", argv);
		fprintf(stderr, "gemsyncd: redémarrage impossible (%s) : "
		    "relancez gemsyncd, il prendra la nouvelle clé\n",
		    strerror(errno));
		return 1;
	}
	return rc;
}
