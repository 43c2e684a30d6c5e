"""Everything a pipeline worker process needs, loaded once.

The job engine's process pool has its fork server import this module before it forks
the pool's processes: they start with the pipeline imported and the skills taxonomy and
the occupation index loaded, sharing those pages with the fork server (copy-on-write)
instead of each paying to load its own. `gc.freeze()` keeps the collector from touching
(and so copying) those objects in every child.
"""

from __future__ import annotations

import gc

import pipeline.registry  # noqa: F401 - the functions pool processes run
from pipeline.occupations import get_occupations
from pipeline.taxonomy import get_taxonomy

get_taxonomy()
get_occupations()
gc.freeze()
