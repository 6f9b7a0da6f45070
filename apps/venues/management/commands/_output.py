"""Shared by the venue commands: print a run, turn failures into CommandError."""

from django.core.management.base import CommandError, OutputWrapper

from apps.venues.models import ImportRun


def report(stdout: OutputWrapper, run: ImportRun) -> None:
    if run.status == ImportRun.Status.SKIPPED:
        raise CommandError(f"Skipped: {run.error}")
    seconds = run.duration.total_seconds() if run.duration else 0.0
    skipped = ", ".join(f"{n} {reason}" for reason, n in run.skipped_reasons.items()) or "none"
    stdout.write(
        f"{run.region}: read {run.received} in {seconds:.1f}s — {run.created} created, "
        f"{run.updated} updated, {run.unchanged} unchanged, {run.reactivated} reactivated, "
        f"{run.deactivated} deactivated; skipped: {skipped}."
    )
