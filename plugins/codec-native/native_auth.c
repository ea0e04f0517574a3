/* Authentication in the native protocol (docs/native-protocol.md), the
 * same two steps as Kafka's:
 *
 *   sasl_handshake     mechanism                -> mechanisms: [offered]
 *   sasl_authenticate  token (bin)              -> token (bin), complete (bool)
 *
 * On a listener with `sasl = true` nothing else is served before. */
#include <string.h>

#include "native.h"

int native_decode_auth_op(decoder *d, op o)
{
    brook_request *req = d->req;
    if (o == OP_SASL_HANDSHAKE) {
        req->type = BROOK_REQ_SASL_HANDSHAKE;
        return native_get_str(d, d->map, "mechanism", &req->u.sasl_handshake.mechanism,
                              "\"mechanism\" must be a non-empty string (PLAIN, SCRAM-SHA-256, ...)");
    }
    const msgpack_object *t = native_field(d->map, "token");
    if (!t || (t->type != MSGPACK_OBJECT_BIN && t->type != MSGPACK_OBJECT_STR))
        return native_fail(d, "\"token\" must be bytes");
    const void *data = t->type == MSGPACK_OBJECT_BIN ? (const void *)t->via.bin.ptr : (const void *)t->via.str.ptr;
    size_t len = t->type == MSGPACK_OBJECT_BIN ? t->via.bin.size : t->via.str.size;
    uint8_t *copy = brook_request_alloc(req, len ? len : 1); /* the msgpack object goes with the decoder */
    if (!copy)
        return native_fail(d, "out of memory");
    memcpy(copy, data, len);
    req->u.sasl_authenticate.token = copy;
    req->u.sasl_authenticate.token_len = len;
    req->type = BROOK_REQ_SASL_AUTHENTICATE;
    return 0;
}

void native_encode_auth_op(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    if (nr->op == OP_SASL_HANDSHAKE) {
        const brook_sasl_handshake_req *h = &req->u.sasl_handshake;
        size_t n = 0;
        while (h->mechanisms && h->mechanisms[n])
            n++;
        native_pack_head(pk, nr, h->error, NULL, 1);
        native_pack_str(pk, "mechanisms");
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            native_pack_str(pk, h->mechanisms[i]);
        return;
    }
    const brook_sasl_authenticate_req *a = &req->u.sasl_authenticate;
    if (a->error) {
        native_pack_head(pk, nr, a->error, a->error_message, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 2);
    native_pack_str(pk, "token");
    msgpack_pack_bin_with_body(pk, a->reply, a->reply_len);
    native_pack_str(pk, "complete");
    if (a->complete)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}
