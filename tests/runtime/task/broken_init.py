"""A handler module whose import fails: the runtime must report an init error."""

raise RuntimeError("the module failed to import")
