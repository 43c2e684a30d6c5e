"""cvmatch: a CV-screening backend."""

__version__ = "0.1.0"
