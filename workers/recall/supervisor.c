/* supervisor.c: the child-process table of `recall up`.
 *
 * Each child is a slot holding its copied spec and its run state (pid,
 * restarts in a row, next start time). A slot's pid is non-zero exactly while
 * we have a child there that is not yet reaped, so every kill() targets a
 * process (or, with -pid, a process group) that is still ours: a zombie
 * keeps its pid and group id reserved until waitpid.
 *
 * Starting is fork + exec with a close-on-exec status pipe: the parent reads
 * it until EOF, which means the exec succeeded, or gets the errno of the
 * step that failed in the child, so a missing binary is an error of
 * recall_supervisor_start() rather than an exit to be restarted forever.
 * Between fork and exec the child is single-threaded code of ours (recall up
 * has no other threads), so the user lookup is done beforehand anyway and the
 * child only calls setgroups/setgid/setuid. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"
#include "supervisor.h"

#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS 30000
#define BACKOFF_RESET_MS 60000
#define REAP_POLL_MS 20

/* A user to become in the child, resolved in the parent. */
typedef struct identity {
        int set;
        uid_t uid;
        gid_t gid;
        gid_t groups[64];
        int n_groups;
} identity_t;

typedef struct child {
        char *name;
        recall_child_kind_t kind;
        char **argv;
        char **env;
        char *log_path;
        identity_t id;
        int stop_signal;

        pid_t pid;
        int starts;
        int failures;
        int last_status;
        int64_t started_ms;
        int64_t restart_at_ms;
} child_t;

struct recall_supervisor {
        child_t *children;
        size_t n;
        size_t cap;
        int infra_died; /* sticky: an infrastructure child exited */
        int stopping;   /* stop_all ran: no more restarts */
};

/* What the child reports on the status pipe when a step before exec fails. */
enum { STEP_REDIRECT = 1, STEP_IDENTITY, STEP_EXEC };

int recall_supervisor_backoff(int *failures, int64_t ran_ms)
{
        int delay = BACKOFF_BASE_MS;

        if (ran_ms >= BACKOFF_RESET_MS || *failures < 0)
                *failures = 0;
        for (int i = 0; i < *failures && delay < BACKOFF_MAX_MS; i++)
                delay *= 2;
        if (delay > BACKOFF_MAX_MS)
                delay = BACKOFF_MAX_MS;
        (*failures)++;
        return delay;
}

void recall_supervisor_describe_status(int status, char *buf, size_t size)
{
        if (status == -1)
                snprintf(buf, size, "unknown status (reaped elsewhere)");
        else if (WIFEXITED(status))
                snprintf(buf, size, "exit code %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, size, "signal %d (%s)", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
        else
                snprintf(buf, size, "status 0x%x", (unsigned)status);
}

/* A count of 1..max written as plain decimal digits, or -1. */
static int parse_count(const char *s, size_t len, int max)
{
        int n = 0;

        if (!len || len > 9)
                return -1;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                n = n * 10 + (s[i] - '0');
        }
        return n >= 1 && n <= max ? n : -1;
}

int recall_supervisor_parse_counts(const char *list, const char *const *kinds,
                                   size_t n_kinds, int max, int *counts,
                                   char *errstr, size_t errstr_size)
{
        const char *p = list;

        if (!*p) {
                recall_error_set(errstr, errstr_size, "empty list");
                return RECALL_EINVAL;
        }
        for (;;) {
                size_t len = strcspn(p, ","), kind_len;
                const char *eq = memchr(p, '=', len);
                int n = parse_count(eq ? eq + 1 : p, eq ? len - (size_t)(eq + 1 - p) : len, max);
                size_t k;

                if (n < 0) {
                        recall_error_set(errstr, errstr_size,
                                         "'%.*s': a count is a number from 1 to %d", (int)len, p,
                                         max);
                        return RECALL_EINVAL;
                }
                if (!eq) {
                        for (k = 0; k < n_kinds; k++)
                                counts[k] = n;
                } else {
                        kind_len = (size_t)(eq - p);
                        for (k = 0; k < n_kinds; k++)
                                if (strlen(kinds[k]) == kind_len &&
                                    !strncmp(kinds[k], p, kind_len))
                                        break;
                        if (k == n_kinds) {
                                recall_error_set(errstr, errstr_size,
                                                 "'%.*s' is not a worker kind that scales out",
                                                 (int)kind_len, p);
                                return RECALL_EINVAL;
                        }
                        counts[k] = n;
                }
                if (!p[len])
                        return 0;
                p += len + 1;
        }
}

/* NULL-terminated deep copy; NULL in gives an empty vector. The caller frees
 * it with free_vec(). */
static char **copy_vec(const char *const *vec)
{
        size_t n = 0;
        char **out;

        while (vec && vec[n])
                n++;
        if (!(out = calloc(n + 1, sizeof(*out))))
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (!(out[i] = strdup(vec[i]))) {
                        while (i > 0)
                                free(out[--i]);
                        free(out);
                        return NULL;
                }
        }
        return out;
}

static void free_vec(char **vec)
{
        for (size_t i = 0; vec && vec[i]; i++)
                free(vec[i]);
        free(vec);
}

static int identity_resolve(identity_t *id, const char *user)
{
        struct passwd *pw;

        memset(id, 0, sizeof(*id));
        if (!user)
                return 0;
        if (!(pw = getpwnam(user)))
                return RECALL_ENOTFOUND;
        id->set = 1;
        id->uid = pw->pw_uid;
        id->gid = pw->pw_gid;
        id->n_groups = (int)(sizeof(id->groups) / sizeof(id->groups[0]));
        if (getgrouplist(user, pw->pw_gid, id->groups, &id->n_groups) < 0) {
                /* more groups than we keep: the primary one is enough */
                id->groups[0] = pw->pw_gid;
                id->n_groups = 1;
        }
        return 0;
}

static child_t *find(const recall_supervisor_t *sup, const char *name)
{
        for (size_t i = 0; i < sup->n; i++)
                if (!strcmp(sup->children[i].name, name))
                        return &sup->children[i];
        return NULL;
}

recall_supervisor_t *recall_supervisor_new(void)
{
        return calloc(1, sizeof(recall_supervisor_t));
}

static void child_release(child_t *c)
{
        free(c->name);
        free_vec(c->argv);
        free_vec(c->env);
        free(c->log_path);
}

void recall_supervisor_destroy(recall_supervisor_t *sup)
{
        if (!sup)
                return;
        for (size_t i = 0; i < sup->n; i++)
                child_release(&sup->children[i]);
        free(sup->children);
        free(sup);
}

int recall_supervisor_add(recall_supervisor_t *sup,
                          const recall_child_spec_t *spec)
{
        child_t c = {.last_status = -1};
        int r;

        if (!spec->name || !*spec->name || !spec->argv || !spec->argv[0])
                return RECALL_EINVAL;
        if (find(sup, spec->name))
                return RECALL_EEXIST;
        if ((r = identity_resolve(&c.id, spec->user)))
                return r;
        if (sup->n == sup->cap) {
                size_t cap = sup->cap ? sup->cap * 2 : 8;
                child_t *children = realloc(sup->children, cap * sizeof(*children));

                if (!children)
                        return RECALL_ENOMEM;
                sup->children = children;
                sup->cap = cap;
        }
        c.kind = spec->kind;
        c.stop_signal = spec->stop_signal ? spec->stop_signal : SIGTERM;
        if (!(c.name = strdup(spec->name)) || !(c.argv = copy_vec(spec->argv)) ||
            !(c.env = copy_vec(spec->env)) ||
            (spec->log_path && !(c.log_path = strdup(spec->log_path)))) {
                child_release(&c);
                return RECALL_ENOMEM;
        }
        sup->children[sup->n++] = c; /* the table owns the copies now */
        return 0;
}

static void close_fd(int fd)
{
        if (fd >= 0)
                close(fd);
}

/* In the forked child: reports the failed step and errno on fd, exits. */
static _Noreturn void child_fail(int fd, int step)
{
        int msg[2] = {step, errno};

        if (write(fd, msg, sizeof(msg)) < 0) {
                /* nothing left to tell anyone */
        }
        _exit(127);
}

/* In the forked child: from fork to exec. Only returns by exiting. */
static _Noreturn void child_exec(char **argv, char **env, const identity_t *id,
                                 int in_fd, int out_fd, int err_fd,
                                 int status_fd, pid_t parent)
{
        static const int reset[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP,
                                    SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2};
        sigset_t none;

        /* its own process group: a terminal's ^C goes to `recall up` only */
        setpgid(0, 0);
        for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
                signal(reset[i], SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
                child_fail(status_fd, STEP_REDIRECT);
        if (id->set && (setgroups((size_t)id->n_groups, id->groups) ||
                        setgid(id->gid) || setuid(id->uid)))
                child_fail(status_fd, STEP_IDENTITY);
        /* after setuid, which clears it: die with `recall up` */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
                _exit(0);
        for (size_t i = 0; env[i]; i++) {
                if (strchr(env[i], '='))
                        putenv(env[i]);
                else
                        unsetenv(env[i]);
        }
        execv(argv[0], argv);
        child_fail(status_fd, STEP_EXEC);
}

/* fork + exec of argv with the redirections described in the header. On
 * success *pid is the child (in its own process group) and, when stdout_fd
 * is non-NULL, *stdout_fd the read end of its stdout. */
static int spawn(const char *name, char **argv, char **env,
                 const char *log_path, const identity_t *id, int *stdout_fd,
                 pid_t *pid)
{
        int in_fd = -1, log_fd = -1, out[2] = {-1, -1}, status[2] = {-1, -1};
        int msg[2], r = RECALL_EIO;
        pid_t parent = getpid(), child;
        ssize_t n;

        if ((in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
            (log_fd = open(log_path ? log_path : "/dev/null",
                           O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
                recall_log_error("cannot start '%s': cannot open '%s': %s", name,
                                 log_path ? log_path : "/dev/null", strerror(errno));
                goto out;
        }
        if ((stdout_fd && pipe2(out, O_CLOEXEC)) || pipe2(status, O_CLOEXEC)) {
                recall_log_error("cannot start '%s': pipe: %s", name, strerror(errno));
                goto out;
        }
        if ((child = fork()) < 0) {
                recall_log_error("cannot start '%s': fork: %s", name, strerror(errno));
                goto out;
        }
        if (child == 0)
                child_exec(argv, env, id, in_fd, stdout_fd ? out[1] : log_fd,
                           log_fd, status[1], parent);
        setpgid(child, child); /* also here: no window where it is in ours */
        close(status[1]);
        status[1] = -1;
        do
                n = read(status[0], msg, sizeof(msg));
        while (n < 0 && errno == EINTR);
        if (n > 0) {
                waitpid(child, NULL, 0);
                recall_log_error("cannot start '%s': %s '%s': %s", name,
                                 msg[0] == STEP_EXEC       ? "exec"
                                 : msg[0] == STEP_IDENTITY ? "cannot switch user for"
                                                           : "cannot redirect output of",
                                 argv[0], strerror(msg[1]));
                goto out;
        }
        *pid = child;
        if (stdout_fd) {
                *stdout_fd = out[0];
                out[0] = -1; /* the caller's now */
        }
        r = 0;
out:
        close_fd(status[1]);
        close_fd(status[0]);
        close_fd(out[1]);
        close_fd(out[0]);
        close_fd(log_fd);
        close_fd(in_fd);
        return r;
}

int recall_supervisor_start(recall_supervisor_t *sup, const char *name,
                            int *stdout_fd)
{
        child_t *c = find(sup, name);
        int r;

        if (!c)
                return RECALL_ENOTFOUND;
        if (c->pid)
                return RECALL_EEXIST;
        if ((r = spawn(c->name, c->argv, c->env, c->log_path, &c->id, stdout_fd,
                       &c->pid)))
                return r;
        c->starts++;
        c->started_ms = recall_time_mono_ms();
        c->restart_at_ms = 0;
        return 0;
}

/* Non-blocking reap of one child: 1 when it has exited (pid cleared,
 * last_status set), 0 while it runs. */
static int reap(child_t *c, int flags)
{
        int status;
        pid_t r;

        do
                r = waitpid(c->pid, &status, flags);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                return 0;
        c->last_status = r < 0 ? -1 : status; /* ECHILD: someone else reaped it */
        c->pid = 0;
        return 1;
}

static void child_exited(recall_supervisor_t *sup, child_t *c, int64_t now)
{
        char what[64];
        int delay;

        recall_supervisor_describe_status(c->last_status, what, sizeof(what));
        if (c->kind == RECALL_CHILD_INFRA) {
                recall_log_error("'%s' exited with %s: stopping the stack", c->name, what);
                sup->infra_died = 1;
                return;
        }
        delay = recall_supervisor_backoff(&c->failures, now - c->started_ms);
        c->restart_at_ms = now + delay;
        recall_log_warn("worker '%s' exited with %s, restarting in %d s", c->name,
                        what, delay / 1000);
}

int recall_supervisor_tick(recall_supervisor_t *sup)
{
        int64_t now = recall_time_mono_ms();

        for (size_t i = 0; i < sup->n; i++) {
                child_t *c = &sup->children[i];

                if (c->pid && reap(c, WNOHANG))
                        child_exited(sup, c, now);
        }
        for (size_t i = 0; i < sup->n && !sup->stopping; i++) {
                child_t *c = &sup->children[i];

                if (c->pid || !c->restart_at_ms || now < c->restart_at_ms)
                        continue;
                if (recall_supervisor_start(sup, c->name, NULL) == 0) {
                        recall_log_info("restarted worker '%s' (pid %d)", c->name,
                                        (int)c->pid);
                        continue;
                }
                /* could not even start: try again after the next step */
                c->restart_at_ms = now + recall_supervisor_backoff(&c->failures, 0);
        }
        return sup->infra_died ? RECALL_EFATAL : 0;
}

int recall_supervisor_status(const recall_supervisor_t *sup, const char *name,
                             recall_child_status_t *out)
{
        const child_t *c = find(sup, name);

        if (!c)
                return RECALL_ENOTFOUND;
        out->pid = c->pid;
        out->starts = c->starts;
        out->failures = c->failures;
        out->last_status = c->last_status;
        out->restart_at_ms = c->restart_at_ms;
        return 0;
}

/* Signals the n children at once, waits for all up to timeout_ms, then
 * kills the process group of each one left. Returns how many were killed. */
static int stop_children(child_t **cs, size_t n, int timeout_ms)
{
        int64_t deadline = recall_time_mono_ms() + timeout_ms;
        size_t left = 0;
        int killed = 0;

        for (size_t i = 0; i < n; i++) {
                recall_log_info("stopping '%s' (pid %d)", cs[i]->name, (int)cs[i]->pid);
                kill(cs[i]->pid, cs[i]->stop_signal);
        }
        for (;;) {
                left = 0;
                for (size_t i = 0; i < n; i++)
                        if (cs[i]->pid && !reap(cs[i], WNOHANG))
                                left++;
                if (!left || recall_time_mono_ms() >= deadline)
                        break;
                recall_time_sleep_ms(REAP_POLL_MS);
        }
        for (size_t i = 0; i < n; i++) {
                if (!cs[i]->pid)
                        continue;
                recall_log_warn("'%s' did not stop within %d ms: killing it",
                                cs[i]->name, timeout_ms);
                kill(-cs[i]->pid, SIGKILL);
                kill(cs[i]->pid, SIGKILL); /* if it left its group */
                reap(cs[i], 0);
                killed++;
        }
        return killed;
}

int recall_supervisor_stop_all(recall_supervisor_t *sup, int worker_timeout_ms,
                               int infra_timeout_ms)
{
        child_t **workers;
        size_t n = 0;
        int killed = 0;

        sup->stopping = 1;
        for (size_t i = 0; i < sup->n; i++)
                sup->children[i].restart_at_ms = 0;
        /* stopping must not fail for want of memory: fall back to one by one */
        workers = calloc(sup->n ? sup->n : 1, sizeof(*workers));
        for (size_t i = 0; i < sup->n; i++) {
                child_t *c = &sup->children[i];

                if (c->kind != RECALL_CHILD_WORKER || !c->pid)
                        continue;
                if (workers)
                        workers[n++] = c;
                else
                        killed += stop_children(&c, 1, worker_timeout_ms);
        }
        if (n)
                killed += stop_children(workers, n, worker_timeout_ms);
        free(workers);
        for (size_t i = sup->n; i > 0; i--) {
                child_t *c = &sup->children[i - 1];

                if (c->kind == RECALL_CHILD_INFRA && c->pid)
                        killed += stop_children(&c, 1, infra_timeout_ms);
        }
        return killed;
}

int recall_supervisor_run(const recall_child_spec_t *spec, int timeout_ms,
                          int *status)
{
        child_t c = {.last_status = -1};
        int64_t deadline;
        int r;

        if (!spec->name || !spec->argv || !spec->argv[0])
                return RECALL_EINVAL;
        if ((r = identity_resolve(&c.id, spec->user)))
                return r;
        if (!(c.name = strdup(spec->name)) || !(c.argv = copy_vec(spec->argv)) ||
            !(c.env = copy_vec(spec->env))) {
                r = RECALL_ENOMEM;
                goto out;
        }
        if ((r = spawn(c.name, c.argv, c.env, spec->log_path, &c.id, NULL, &c.pid)))
                goto out;
        deadline = recall_time_mono_ms() + timeout_ms;
        while (!reap(&c, WNOHANG)) {
                if (recall_time_mono_ms() >= deadline) {
                        recall_log_error("'%s' did not finish within %d ms: killing it",
                                         c.name, timeout_ms);
                        kill(-c.pid, SIGKILL);
                        reap(&c, 0);
                        r = RECALL_ETIMEOUT;
                        break;
                }
                recall_time_sleep_ms(REAP_POLL_MS);
        }
        *status = c.last_status;
out:
        child_release(&c);
        return r;
}
