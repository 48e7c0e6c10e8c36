/* hostile.c: a deliberately misbehaving zat plugin for the end-to-end suite (tests/it/hostile.rs).
 *
 * It is compiled once per fault with -DFAULT=<name> and -DNAME=<plugin name>; each library
 * then misbehaves in one way, in render (or in info for the *_INFO faults), and zat must report
 * it as a plugin failure, by name and file, with exit 2 and the old bundle intact:
 *
 *   FAULT_HANG      render never returns
 *   FAULT_HANG_INFO info never returns (the library hangs while it is being loaded)
 *   FAULT_ABORT     render calls abort()
 *   FAULT_SEGV      render writes through a null pointer
 *   FAULT_EXIT0     render calls exit(0): the process ends "successfully" without answering
 *   FAULT_EXIT_INFO info calls exit(3)
 *   FAULT_HUGE      render claims an answer of 1 TiB in a 16-byte buffer
 *   FAULT_PRINT     render prints to stdout and stderr, then answers correctly
 *   FAULT_FLOOD     render prints 1 MiB to stdout, then answers correctly
 *   FAULT_ORIGIN    render answers a warning whose origin is /etc/passwd, line 1
 *   FAULT_ANSI      render fails with a message and a diagnostic full of terminal escapes
 *   FAULT_BADJCL    render answers a job with a tab and a line past column 71
 *   FAULT_FOREIGN   declares unit:lpar, and from every LPAR call writes a file of LPAR SYS2 and a
 *                   job in database PLEX2's folder (another unit's files)
 *   FAULT_CHMOD     render answers a file whose placement's mode is a shell command
 *   FAULT_DOTDOT    declares unit:lpar, and writes `../escape.txt` (an illegal path) from its call
 *   FAULT_DOTDOT_WHOLE  the same path from a whole-fleet call (no unit: capability)
 *   FAULT_CASE      render answers two files whose paths differ only in case
 *   FAULT_NEGATIVE  render fails with status -1 and a message
 *   FAULT_HANG_UNIT declares unit:lpar and unit:database, and every render call hangs
 *   FAULT_NONE      a well-behaved plugin with no files (for names, folders and locks)
 *
 * NAME may hold a newline or a bidirectional override, to check that such names are refused.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zat_plugin.h"

#ifndef NAME
#define NAME "hostile"
#endif
#ifndef VERSION
#define VERSION "1.0.0"
#endif

#define FAULT_NONE 0
#define FAULT_HANG 1
#define FAULT_HANG_INFO 2
#define FAULT_ABORT 3
#define FAULT_SEGV 4
#define FAULT_EXIT0 5
#define FAULT_EXIT_INFO 6
#define FAULT_HUGE 7
#define FAULT_PRINT 8
#define FAULT_FLOOD 9
#define FAULT_ORIGIN 10
#define FAULT_ANSI 11
#define FAULT_BADJCL 12
#define FAULT_FOREIGN 13
#define FAULT_CHMOD 14
#define FAULT_DOTDOT 15
#define FAULT_DOTDOT_WHOLE 16
#define FAULT_CASE 17
#define FAULT_NEGATIVE 18
#define FAULT_HANG_UNIT 19

#ifndef FAULT
#define FAULT FAULT_NONE
#endif

static int32_t give(zat_buffer *out, const char *text, int32_t status) {
    size_t len = strlen(text);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return ZAT_STATUS_INTERNAL;
    memcpy(copy, text, len);
    out->ptr = copy;
    out->len = len;
    return status;
}

#if FAULT == FAULT_HANG || FAULT == FAULT_HANG_INFO || FAULT == FAULT_HANG_UNIT
static void hang(void) {
    for (;;) sleep(1000);
}
#endif

static int32_t hostile_info(zat_buffer *out) {
#if FAULT == FAULT_HANG_INFO
    hang();
#elif FAULT == FAULT_EXIT_INFO
    exit(3);
#endif
#if FAULT == FAULT_FOREIGN || FAULT == FAULT_DOTDOT
    const char *provides = "\"unit:lpar\"";
#elif FAULT == FAULT_HANG_UNIT
    const char *provides = "\"unit:lpar\",\"unit:database\"";
#else
    const char *provides = "";
#endif
    char json[512];
    /* The name is written as it is: a newline in it makes the JSON invalid, which is fine, as
     * the table's name is checked (and refused) before info is read. */
    snprintf(json, sizeof json, "{\"name\":\"%s\",\"version\":\"%s\",\"provides\":[%s]}",
             NAME, VERSION, provides);
    return give(out, json, ZAT_STATUS_OK);
}

static int32_t hostile_render(const uint8_t *request, size_t len, zat_buffer *out) {
    if (len == 0 || request[0] != '{') return give(out, "not a render request", ZAT_STATUS_BAD_REQUEST);
#if FAULT == FAULT_HANG || FAULT == FAULT_HANG_UNIT
    hang();
#elif FAULT == FAULT_ABORT
    abort();
#elif FAULT == FAULT_SEGV
    volatile int *nowhere = NULL;
    *nowhere = 42;
#elif FAULT == FAULT_EXIT0
    exit(0);
#elif FAULT == FAULT_HUGE
    int32_t status = give(out, "{\"files\":[]}", ZAT_STATUS_OK);
    out->len = (size_t)1 << 40;
    return status;
#elif FAULT == FAULT_PRINT
    printf("hostile-stdout: this line must never reach zat's stdout\n");
    fflush(stdout);
    fprintf(stderr, "hostile-stderr: \033[31mred\033[0m text from the plugin\n");
#elif FAULT == FAULT_FLOOD
    static char line[1024];
    memset(line, 'x', sizeof line - 2);
    line[sizeof line - 2] = '\n';
    for (int i = 0; i < 1024; i++) fputs(line, stdout);
    fflush(stdout);
#elif FAULT == FAULT_ORIGIN
    return give(out,
                "{\"files\":[],\"diagnostics\":[{\"code\":\"ZAT9901\",\"severity\":\"warning\","
                "\"message\":\"look here\",\"origin\":{\"file\":\"/etc/passwd\",\"line\":1,"
                "\"column\":1}}]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_BADJCL
    return give(out,
                "{\"files\":[{\"path\":\"hostile/BAD.jcl\",\"content\":\"//BAD JOB\\n"
                "//STEP1 EXEC PGM=IEFBR14\\t\\n"
                "//* a comment that runs on and on past column seventy-one of the card image\\n\"}],"
                "\"diagnostics\":[]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_FOREIGN
    return give(out,
                "{\"files\":[{\"path\":\"lpars/SYS2/foreign.txt\",\"content\":\"not mine\\n\"},"
                "{\"path\":\"security/PLEX2/racf/EXTRA.jcl\",\"content\":\"//EXTRA JOB\\n"
                "//STEP1 EXEC PGM=IEFBR14\\n\"}],\"diagnostics\":[]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_CHMOD
    return give(out,
                "{\"files\":[{\"path\":\"hostile/x.txt\",\"content\":\"hi\\n\","
                "\"placement\":{\"kind\":\"uss_file\",\"path\":\"/etc/hostile/x.txt\","
                "\"mode\":\"0644 /dev/null; rm -rf $HOME; echo\",\"transfer\":\"text\","
                "\"code_page\":\"IBM-1047\"}}],\"diagnostics\":[]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_DOTDOT || FAULT == FAULT_DOTDOT_WHOLE
    return give(out, "{\"files\":[{\"path\":\"../escape.txt\",\"content\":\"out\\n\"}],"
                "\"diagnostics\":[]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_CASE
    return give(out,
                "{\"files\":[{\"path\":\"hostile/Case.txt\",\"content\":\"one\\n\"},"
                "{\"path\":\"hostile/CASE.txt\",\"content\":\"two\\n\"}],\"diagnostics\":[]}",
                ZAT_STATUS_OK);
#elif FAULT == FAULT_NEGATIVE
    return give(out, "the plugin says no with status -1", -1);
#elif FAULT == FAULT_ANSI
    return give(out, "\033[2J\033[31mboom\033[0m \xe2\x80\xae", ZAT_STATUS_EMIT_ERROR);
#endif
    return give(out, "{\"files\":[],\"diagnostics\":[]}", ZAT_STATUS_OK);
}

static void hostile_free(zat_buffer buffer) { free(buffer.ptr); }

static const zat_plugin_table TABLE = {
    ZAT_ABI_VERSION, NAME, VERSION, hostile_info, hostile_render, hostile_free,
};

const zat_plugin_table *zat_plugin_entry(void) { return &TABLE; }
