"""The HTTP layer: thin routes, dependencies, error rendering, middleware."""
