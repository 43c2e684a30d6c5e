"""The job types every process registers at start-up (api.main and api.worker alike)."""

from __future__ import annotations

from api import job_types
from api.config.settings import Settings
from api.recruiting import screening_jobs
from pipeline import registry


def _by_name(settings: Settings) -> dict[str, object]:
    return {job_type.name: job_type for job_type in job_types.installed(settings)}


def test_every_pipeline_is_installed_and_screenings_have_their_hooks(settings: Settings) -> None:
    installed = job_types.installed(settings)
    assert set(registry.PIPELINES) <= {job_type.name for job_type in installed}
    match = next(job_type for job_type in installed if job_type.name == "cv_match")
    assert match.pipeline is registry.PIPELINES["cv_match"]
    assert (match.prepare, match.finalize) == (
        screening_jobs.prepare_match,
        screening_jobs.finalize_match,
    )
    rescore = next(job_type for job_type in installed if job_type.name == "cv_rescore")
    assert (rescore.prepare, rescore.finalize) == (
        screening_jobs.prepare_rescore,
        screening_jobs.finalize_rescore,
    )


def test_extra_modules_add_theirs_only_with_test_pipelines(settings: Settings) -> None:
    extra = settings.model_copy(update={"extra_pipelines": ["tests.jobs.pipelines"]})
    assert "steps" in _by_name(extra)
    assert "steps" not in _by_name(settings)
    closed = extra.model_copy(update={"enable_test_pipelines": False})
    assert "steps" not in _by_name(closed)
