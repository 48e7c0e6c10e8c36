/* inventory.c: a zat emitter plugin written in C, using only zat_plugin.h and the C library.
 *
 * It writes one CSV per LPAR, lpars/<LPAR>/c-inventory/rules.csv, listing the AT-TLS rules of
 * every stack: lpar, stack, rule, direction, local port, remote port, priority. It honours
 * the request's only_lpars list, checks its abi_version, and refuses a request it cannot read.
 *
 * The request is JSON. Instead of a JSON library, a small reader below walks the text with a
 * cursor: it can read a string, a number, and skip any value, which is all it takes to pick
 * the few fields this plugin needs out of the model and step over the rest.
 *
 * Thread safety: no global mutable state; every call works on its own buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zat_plugin.h"

/* ---- a growable byte buffer ---------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; everything after is dropped */
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) { b->failed = 1; return; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* Appends s as the inside of a JSON string (quotes and control characters escaped). */
static void buf_json(buf *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; buf_add(b, esc, 2); }
        else if (c == '\n') buf_str(b, "\\n");
        else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); buf_str(b, esc); }
        else buf_add(b, (const char *)&c, 1);
    }
}

/* ---- a minimal JSON reader ----------------------------------------------------------- */

typedef struct {
    const char *p;
    const char *end;
    int error;
} reader;

static void ws(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

static int peek(reader *r) { ws(r); return r->p < r->end ? (unsigned char)*r->p : -1; }

static int eat(reader *r, char c) {
    if (peek(r) == c) { r->p++; return 1; }
    return 0;
}

/* Reads a string into out (cut at cap-1 bytes). Escapes: the simple ones are decoded, a
 * \uXXXX below 0x80 too; anything else becomes '?', enough for names and ports. */
static void read_string(reader *r, char *out, size_t cap) {
    size_t n = 0;
    if (!eat(r, '"')) { r->error = 1; return; }
    while (r->p < r->end && *r->p != '"') {
        char c = *r->p++;
        if (c == '\\' && r->p < r->end) {
            char e = *r->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                int i;
                for (i = 0; i < 4 && r->p < r->end; i++, r->p++) {
                    char h = *r->p;
                    v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default: c = e; /* \" \\ \/ */
            }
        }
        if (out && n + 1 < cap) out[n++] = c;
    }
    if (out && cap) out[n] = '\0';
    if (!eat(r, '"')) r->error = 1;
}

static long read_number(reader *r) {
    char *stop;
    long v;
    ws(r);
    v = strtol(r->p, &stop, 10);
    if (stop == r->p) r->error = 1;
    r->p = stop;
    /* a fraction or exponent is not expected in the fields read here; skip it */
    while (r->p < r->end && strchr("0123456789.eE+-", *r->p)) r->p++;
    return v;
}

static void skip_value(reader *r);

/* Object iteration: obj_begin, then while (obj_key(r, key)) { read or skip the value }. */
static int obj_begin(reader *r) { if (!eat(r, '{')) { r->error = 1; return 0; } return 1; }

static int obj_key(reader *r, char *key, size_t cap) {
    if (r->error) return 0;
    if (eat(r, '}')) return 0;
    eat(r, ',');
    read_string(r, key, cap);
    if (!eat(r, ':')) r->error = 1;
    return !r->error;
}

static int arr_begin(reader *r) { if (!eat(r, '[')) { r->error = 1; return 0; } return 1; }

static int arr_next(reader *r) {
    if (r->error) return 0;
    if (eat(r, ']')) return 0;
    eat(r, ',');
    return 1;
}

static void skip_value(reader *r) {
    int c = peek(r);
    char key[2];
    if (c == '"') read_string(r, NULL, 0);
    else if (c == '{') { obj_begin(r); while (obj_key(r, key, sizeof key)) skip_value(r); }
    else if (c == '[') { arr_begin(r); while (arr_next(r)) skip_value(r); }
    else if (c == 't' || c == 'f' || c == 'n') { while (r->p < r->end && strchr("truefalsn", *r->p)) r->p++; }
    else if (c == '-' || (c >= '0' && c <= '9')) read_number(r);
    else r->error = 1;
}

/* A port range {"low":n,"high":m} or null, as text: "", "443" or "1024-65535". */
static void read_ports(reader *r, char *out, size_t cap) {
    char key[16];
    long low = 0, high = 0;
    out[0] = '\0';
    if (peek(r) == 'n') { skip_value(r); return; }
    if (!obj_begin(r)) return;
    while (obj_key(r, key, sizeof key)) {
        if (!strcmp(key, "low")) low = read_number(r);
        else if (!strcmp(key, "high")) high = read_number(r);
        else skip_value(r);
    }
    if (low == high) snprintf(out, cap, "%ld", low);
    else snprintf(out, cap, "%ld-%ld", low, high);
}

/* ---- the model walk ------------------------------------------------------------------ */

#define NAME 64

typedef struct {
    char name[NAME];
    buf csv;
} lpar_out;

typedef struct {
    lpar_out *items;
    size_t count;
    char only[64][NAME]; /* only_lpars (at most 64 are honoured) */
    size_t only_count;
    long abi;
} request_data;

static void read_rule(reader *r, buf *csv, const char *lpar, const char *stack) {
    char key[32], name[NAME] = "", direction[16] = "", local[32] = "", remote[32] = "";
    long priority = 0;
    char line[512];
    if (!obj_begin(r)) return;
    while (obj_key(r, key, sizeof key)) {
        if (!strcmp(key, "name")) read_string(r, name, sizeof name);
        else if (!strcmp(key, "direction")) read_string(r, direction, sizeof direction);
        else if (!strcmp(key, "local_port")) read_ports(r, local, sizeof local);
        else if (!strcmp(key, "remote_port")) read_ports(r, remote, sizeof remote);
        else if (!strcmp(key, "priority") && peek(r) != 'n') priority = read_number(r);
        else skip_value(r);
    }
    snprintf(line, sizeof line, "%s,%s,%s,%s,%s,%s,%ld\n", lpar, stack, name, direction, local,
             remote, priority);
    buf_str(csv, line);
}

static void read_stack(reader *r, buf *csv, const char *lpar) {
    char key[32], name[NAME] = "";
    if (!obj_begin(r)) return;
    /* serde writes "name" before "rules"; the name is needed for every rule line */
    while (obj_key(r, key, sizeof key)) {
        if (!strcmp(key, "name")) read_string(r, name, sizeof name);
        else if (!strcmp(key, "rules")) {
            if (arr_begin(r)) while (arr_next(r)) read_rule(r, csv, lpar, name);
        } else skip_value(r);
    }
}

static void read_lpar(reader *r, request_data *d) {
    char key[32];
    lpar_out *grown = realloc(d->items, (d->count + 1) * sizeof *d->items);
    lpar_out *out;
    if (!grown) { r->error = 1; return; }
    d->items = grown;
    out = &d->items[d->count++];
    memset(out, 0, sizeof *out);
    buf_str(&out->csv, "lpar,stack,rule,direction,local_port,remote_port,priority\n");
    if (!obj_begin(r)) return;
    while (obj_key(r, key, sizeof key)) {
        if (!strcmp(key, "name")) read_string(r, out->name, sizeof out->name);
        else if (!strcmp(key, "stacks")) {
            if (arr_begin(r)) while (arr_next(r)) read_stack(r, &out->csv, out->name);
        } else skip_value(r);
    }
}

static void read_request(reader *r, request_data *d) {
    char key[32];
    if (!obj_begin(r)) return;
    while (obj_key(r, key, sizeof key)) {
        if (!strcmp(key, "abi_version")) d->abi = read_number(r);
        else if (!strcmp(key, "fleet")) {
            char fkey[32];
            if (!obj_begin(r)) return;
            while (obj_key(r, fkey, sizeof fkey)) {
                if (!strcmp(fkey, "lpars")) {
                    if (arr_begin(r)) while (arr_next(r)) read_lpar(r, d);
                } else skip_value(r);
            }
        } else if (!strcmp(key, "only_lpars")) {
            if (arr_begin(r))
                while (arr_next(r)) {
                    char name[NAME];
                    read_string(r, name, sizeof name);
                    if (d->only_count < 64) strcpy(d->only[d->only_count++], name);
                }
        } else skip_value(r);
    }
}

static int included(const request_data *d, const char *lpar) {
    size_t i;
    if (d->only_count == 0) return 1;
    for (i = 0; i < d->only_count; i++)
        if (!strcmp(d->only[i], lpar)) return 1;
    return 0;
}

/* An LPAR name becomes a path segment: refuse anything but letters, digits and @ # $. */
static int safe_segment(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '@' || *s == '#' || *s == '$'))
            return 0;
    return 1;
}

/* ---- the ABI ------------------------------------------------------------------------- */

/* Hands a buffer's bytes to the host (or an empty buffer when allocation failed). */
static void give(buf *b, zat_buffer *out) {
    out->ptr = (uint8_t *)b->data;
    out->len = b->failed ? 0 : b->len;
}

static int32_t message(zat_buffer *out, int32_t status, const char *text) {
    buf b = {0};
    buf_str(&b, text);
    give(&b, out);
    return status;
}

static int32_t inventory_info(zat_buffer *out) {
    if (!out) return ZAT_STATUS_INTERNAL;
    return message(out, ZAT_STATUS_OK, "{\"name\":\"c-inventory\",\"version\":\"0.1.0\",\"provides\":[]}");
}

static int32_t inventory_render(const uint8_t *request, size_t request_len, zat_buffer *out) {
    reader r;
    request_data d;
    buf json = {0};
    size_t i;
    int32_t status = ZAT_STATUS_OK;
    if (!out) return ZAT_STATUS_INTERNAL;
    if (!request || request_len == 0) return message(out, ZAT_STATUS_BAD_REQUEST, "empty request");

    memset(&d, 0, sizeof d);
    d.abi = -1;
    r.p = (const char *)request;
    r.end = r.p + request_len;
    r.error = 0;
    read_request(&r, &d);

    if (r.error || d.abi < 0) {
        status = message(out, ZAT_STATUS_BAD_REQUEST, "request is not a zat render request (JSON object with abi_version and fleet)");
    } else if (d.abi != (long)ZAT_ABI_VERSION) {
        status = message(out, ZAT_STATUS_BAD_REQUEST, "request speaks another ABI version than this plugin (2)");
    } else {
        int first = 1;
        buf_str(&json, "{\"files\":[");
        for (i = 0; i < d.count; i++) {
            lpar_out *l = &d.items[i];
            if (!included(&d, l->name)) continue;
            if (!safe_segment(l->name)) {
                status = message(out, ZAT_STATUS_EMIT_ERROR, "an LPAR name is not a valid MVS system name");
                break;
            }
            if (!first) buf_str(&json, ",");
            first = 0;
            buf_str(&json, "{\"path\":\"lpars/");
            buf_json(&json, l->name);
            buf_str(&json, "/c-inventory/rules.csv\",\"content\":\"");
            buf_json(&json, l->csv.data ? l->csv.data : "");
            buf_str(&json, "\",\"target\":\"not installed: load into the site inventory\"}");
            if (l->csv.failed) json.failed = 1;
        }
        buf_str(&json, "],\"diagnostics\":[]}");
        if (status == ZAT_STATUS_OK) {
            if (json.failed) status = message(out, ZAT_STATUS_INTERNAL, "out of memory");
            else { give(&json, out); json.data = NULL; }
        }
    }
    free(json.data);
    for (i = 0; i < d.count; i++) free(d.items[i].csv.data);
    free(d.items);
    return status;
}

static void inventory_free(zat_buffer buffer) { free(buffer.ptr); }

static const zat_plugin_table TABLE = {
    ZAT_ABI_VERSION, "c-inventory", "0.1.0", inventory_info, inventory_render, inventory_free,
};

const zat_plugin_table *zat_plugin_entry(void) { return &TABLE; }
