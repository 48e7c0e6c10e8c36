//! The inventory test emitter as a plugin library (`zat_testplug_inventory_lib`), loaded by the end-to-end suite with dlopen.

zat_plugin_api::export_emitter!(zat_testplug_inventory::InventoryEmitter);
