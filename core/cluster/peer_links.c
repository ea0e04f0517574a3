#include "peer_links.h"

#include <stdlib.h>

#include "broker.h"
#include "membership.h"

typedef struct peer {
    int32_t id;
    brook_peer_link *link;
} peer;

struct brook_peer_links {
    brook_broker *b;
    peer *peers;
    size_t n, cap;
};

brook_peer_links *brook_peer_links_new(brook_broker *b)
{
    brook_peer_links *l = calloc(1, sizeof *l);
    if (l)
        l->b = b;
    return l;
}

void brook_peer_links_free(brook_peer_links *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        brook_peer_link_free(l->peers[i].link);
    free(l->peers);
    free(l);
}

brook_peer_link *brook_peer_links_to(brook_peer_links *l, int32_t id)
{
    peer *p = NULL;
    for (size_t i = 0; i < l->n && !p; i++)
        if (l->peers[i].id == id)
            p = &l->peers[i];
    if (p && p->link && !brook_peer_link_broken(p->link))
        return p->link;
    if (!p) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 4;
            peer *more = realloc(l->peers, sizeof *more * cap);
            if (!more)
                return NULL;
            l->peers = more;
            l->cap = cap;
        }
        p = &l->peers[l->n++];
        *p = (peer){.id = id};
    }
    if (p->link) /* broken: it answered what it had; a new one */
        brook_peer_link_free(p->link);
    p->link = NULL;
    const brook_broker *b = l->b;
    const char *host;
    int32_t port;
    if (brook_membership_peer_address(b, id, &host, &port) ||
        brook_peer_link_new(b->loop, host, port, (size_t)b->st->max_frame_bytes, b->peer_tls, &p->link))
        return NULL;
    return p->link;
}
