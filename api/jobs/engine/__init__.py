"""The job engine's internals. Outside `api.jobs`, use the interface in `api.jobs`."""
