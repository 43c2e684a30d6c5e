"""Imported by the process pool's fork server before anything else: it dies with the
service process that started it (see `lifeline`). Nothing else imports this module."""

from api.jobs.engine.lifeline import arm

arm()
