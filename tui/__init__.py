"""The core: models, providers, store, cache, quality maths, configuration, headless commands, app and CLI."""
