#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

typedef struct job {
    struct job *next;
    void (*work)(void *arg);
    void (*done)(void *arg);
    void *arg;
    int posted; /* brook_workers_post's: not a submitted job, never pending */
} job;

typedef struct queue {
    job *head;
    job *tail;
} queue;

struct brook_workers {
    brook_loop *loop;
    brook_io io; /* eventfd: "completions are waiting" */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    queue todo;
    queue finished;
    int pending; /* submitted and not yet done */
    int stopping;
    int nthreads;
    pthread_t threads[];
};

static void push(queue *q, job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static job *pop(queue *q)
{
    job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
    }
    return j;
}

/* Under the lock: the loop has completions to run. */
static void wake_loop(brook_workers *w)
{
    uint64_t one = 1;
    /* an eventfd write cannot block below 2^64-1 and never fails here */
    if (write(w->io.fd, &one, sizeof one) < 0)
        log_error("workers: eventfd write: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
    brook_workers *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        job *j;
        while (!(j = pop(&w->todo)) && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!j)
            break;
        pthread_mutex_unlock(&w->lock);
        if (j->work)
            j->work(j->arg);
        pthread_mutex_lock(&w->lock);
        push(&w->finished, j);
        wake_loop(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Run the `done` callbacks of finished jobs on the loop thread. */
static void run_finished(brook_workers *w)
{
    pthread_mutex_lock(&w->lock);
    job *list = w->finished.head;
    w->finished.head = w->finished.tail = NULL;
    pthread_mutex_unlock(&w->lock);
    while (list) {
        job *j = list;
        list = j->next;
        if (!j->posted)
            w->pending--;
        if (j->done)
            j->done(j->arg);
        free(j);
    }
}

static void on_event(void *arg, uint32_t events)
{
    (void)events;
    brook_workers *w = arg;
    uint64_t n;
    if (read(w->io.fd, &n, sizeof n) < 0 && errno != EAGAIN)
        log_error("workers: eventfd read: %s", strerror(errno));
    run_finished(w);
}

brook_err brook_workers_new(brook_loop *loop, int threads, brook_workers **out)
{
    brook_workers *w = calloc(1, sizeof *w + (size_t)threads * sizeof(pthread_t));
    if (!w)
        return BROOK_ERR_NOMEM;
    w->loop = loop;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->io.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->io.cb = on_event;
    w->io.arg = w;
    if (w->io.fd < 0 || brook_loop_io_add(loop, &w->io, EPOLLIN)) {
        if (w->io.fd >= 0)
            close(w->io.fd);
        free(w);
        return BROOK_ERR_IO;
    }
    /* Pool threads never take signals: SIGTERM must reach the loop's signalfd. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
            log_error("workers: cannot start thread %d: %s", i, strerror(errno));
            break;
        }
        w->nthreads++;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (w->nthreads == 0) {
        brook_workers_free(w);
        return BROOK_ERR_IO;
    }
    *out = w;
    return BROOK_OK;
}

brook_err brook_workers_submit(brook_workers *w, void (*work)(void *arg), void (*done)(void *arg), void *arg)
{
    job *j = malloc(sizeof *j);
    if (!j)
        return BROOK_ERR_NOMEM;
    *j = (job){.work = work, .done = done, .arg = arg};
    pthread_mutex_lock(&w->lock);
    push(&w->todo, j);
    w->pending++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return BROOK_OK;
}

brook_err brook_workers_post(brook_workers *w, void (*done)(void *arg), void *arg)
{
    job *j = malloc(sizeof *j);
    if (!j)
        return BROOK_ERR_NOMEM;
    *j = (job){.done = done, .arg = arg, .posted = 1};
    pthread_mutex_lock(&w->lock);
    push(&w->finished, j);
    wake_loop(w);
    pthread_mutex_unlock(&w->lock);
    return BROOK_OK;
}

void brook_workers_free(brook_workers *w)
{
    if (!w)
        return;
    /* Drain: jobs may submit more jobs from their `done`. */
    while (w->pending > 0) {
        pthread_mutex_lock(&w->lock);
        int ready = w->finished.head != NULL;
        pthread_mutex_unlock(&w->lock);
        if (ready)
            run_finished(w);
        else
            usleep(1000);
    }
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    brook_loop_io_del(w->loop, &w->io);
    close(w->io.fd);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
