/* The request types the core knows: one table row each (request_types.c). */
#ifndef BROOK_CORE_REQUEST_TYPES_H
#define BROOK_CORE_REQUEST_TYPES_H

#include <brook/request.h>

struct brook_req;

/* Types are the values of brook_request_type, 0 up to this. */
#define BROOK_REQ_TYPE_COUNT (BROOK_REQ_DESCRIBE_TRANSACTIONS + 1)

typedef struct brook_req_type_row {
    const char *name;                    /* "produce", "fetch", ... for metric labels and logs */
    void (*handle)(struct brook_req *r); /* NULL: nothing to do (the request carries its error) */
} brook_req_type_row;

/* The row of `type`; NULL for a value no row has. */
const brook_req_type_row *brook_req_type(int type);

/* Its name, "unknown" for a value no row has. */
const char *brook_req_type_name(int type);

#endif
