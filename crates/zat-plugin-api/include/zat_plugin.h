/* zat_plugin.h: the C ABI of a zat emitter plugin (ABI version 2).
 *
 * A plugin is a shared library that exports one function, zat_plugin_entry, returning a
 * pointer to a static zat_plugin_table. The host reads abi_version first and refuses the
 * library unless it equals ZAT_ABI_VERSION; it reads nothing else in that case.
 *
 * Only bytes cross the boundary. render receives a RenderRequest as UTF-8 JSON (not
 * NUL-terminated) and writes into *out either a RenderResponse as JSON (status ZAT_STATUS_OK)
 * or a UTF-8 error message (any other status). info writes a PluginInfo as JSON. The plugin
 * allocates every buffer it writes; the host copies it and hands it back to the plugin's free.
 * The JSON shapes are those of the zat-plugin-api crate (RenderRequest, RenderResponse,
 * PluginInfo); `zat schema` prints the model's JSON Schema.
 *
 * Units (ABI version 2): a plugin whose info lists "unit:database", "unit:lpar" or "unit:fleet"
 * in provides is called once per unit of that kind, possibly from several threads at once, and
 * the request's "unit" member says which: {"kind":"database","name":...}, {"kind":"lpar",
 * "name":...} or {"kind":"fleet"}; it must write only that unit's files. A plugin that lists
 * none of them is called once, with "unit": null and the whole fleet. An index plugin ("pass:index")
 * that also lists "index:outline" is given, in its fleet call, only the files outside the LPAR
 * folders and the jobs inside them (docs/plugins.md, section 3a); hosts that do not know it give
 * every file.
 *
 * Rules for plugin authors:
 *   - never let an exception, longjmp or Rust panic escape a function of the table;
 *   - render must be deterministic and may be called from several threads at once;
 *   - do not start threads that outlive a call: the host never unloads a library, but it
 *     exits when the build is done;
 *   - returned paths are bundle-relative with '/' separators; the host refuses anything else.
 */
#ifndef ZAT_PLUGIN_H
#define ZAT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZAT_ABI_VERSION 2u
#define ZAT_ENTRY_SYMBOL "zat_plugin_entry"

/* Status codes returned by info and render. */
#define ZAT_STATUS_OK 0          /* *out holds JSON */
#define ZAT_STATUS_EMIT_ERROR 1  /* the emitter could not render; *out holds a message */
#define ZAT_STATUS_BAD_REQUEST 2 /* the request was not understood; *out holds a message */
#define ZAT_STATUS_PANIC 3       /* the plugin crashed internally; *out holds a message */
#define ZAT_STATUS_INTERNAL 4    /* any other failure; *out holds a message if not empty */

/* A buffer allocated by the plugin and freed by the plugin's free. */
typedef struct zat_buffer {
    uint8_t *ptr;
    size_t len;
} zat_buffer;

typedef int32_t (*zat_info_fn)(zat_buffer *out);
typedef int32_t (*zat_render_fn)(const uint8_t *request, size_t request_len, zat_buffer *out);
typedef void (*zat_free_fn)(zat_buffer buffer);

typedef struct zat_plugin_table {
    uint32_t abi_version;      /* must be ZAT_ABI_VERSION; checked before anything else */
    const char *name;          /* static, NUL-terminated UTF-8, e.g. "acf2" */
    const char *version;       /* static, NUL-terminated UTF-8 */
    zat_info_fn info;          /* must not be NULL */
    zat_render_fn render;      /* must not be NULL */
    zat_free_fn free;          /* must not be NULL */
} zat_plugin_table;

/* The one exported symbol. */
const zat_plugin_table *zat_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* ZAT_PLUGIN_H */
