"""The composition root: the one place that knows every layer (core, channels, storage,
scheduler) and wires them together: the command line, the settings, the runtime, the console."""
