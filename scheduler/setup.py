"""Builds the APScheduler instance with the periodic jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.services.alerts import jobs as jobs_alerts
from bot.services.assets import jobs as jobs_assets
from bot.services.container import Services
from bot.services.contractors import jobs as jobs_contractors
from bot.services.digest import jobs as jobs_digest
from bot.services.dorm_requests.jobs import dorm_requests_tick
from bot.services.dorms import jobs as jobs_dorms
from bot.services.energy.jobs import energy_tick
from bot.services.inspections import jobs as jobs_inspections
from bot.services.repairs import jobs as jobs_dispatch
from bot.services.scorecards import jobs as jobs_scorecards
from bot.services.stock import jobs as jobs_stock
from bot.services.surveys.jobs import survey_tick
from scheduler import jobs
from scheduler.leader import LeaderLease, guard_jobs

FIRST_ENERGY_CHECK_SECONDS = 30


def build_scheduler(
    settings: Settings, services: Services, lease: LeaderLease
) -> AsyncIOScheduler:
    """A scheduler with every periodic job (not started); jobs run only on the lease holder."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        jobs.deliver_outbox, "interval", seconds=settings.outbox_interval_seconds,
        args=[services], id="deliver_outbox", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs.prune_processed_updates, "interval", hours=6, id="prune_processed_updates",
        max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs.prune_old_rows, "interval", hours=6, args=[services], id="prune_old_rows",
        max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_dorms.dorm_tick, "interval", seconds=settings.dorm_interval_seconds,
        args=[services], id="dorm_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_alerts.alert_tick, "interval", seconds=settings.alert_interval_seconds,
        args=[services], id="alert_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_dispatch.dispatch_tick, "interval", seconds=settings.dispatch_interval_seconds,
        args=[services], id="dispatch_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_stock.stock_tick, "interval", seconds=settings.stock_alert_interval_seconds,
        args=[services], id="stock_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_stock.stock_digest, "cron", hour=settings.stock_digest_hour, minute=0,
        args=[services], id="stock_digest", max_instances=1, coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        jobs_digest.digest_tick, "interval", seconds=60,
        args=[services], id="digest_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        survey_tick, "interval", seconds=settings.survey_interval_seconds,
        args=[services], id="survey_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        dorm_requests_tick, "interval", seconds=300,
        args=[services], id="dorm_requests_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_inspections.inspection_tick, "interval",
        seconds=settings.inspection_interval_seconds, args=[services],
        id="inspection_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        energy_tick, "interval", minutes=settings.energy_check_minutes,
        args=[services], id="energy_tick", max_instances=1, coalesce=True,
        # first look soon after a start (the lease is held by then), not a whole period later
        next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_ENERGY_CHECK_SECONDS),
    )
    scheduler.add_job(
        jobs_assets.maintenance_tick, "interval", seconds=settings.maintenance_interval_seconds,
        args=[services], id="maintenance_tick", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs_assets.asset_check_tick, "interval", seconds=settings.asset_check_interval_seconds,
        args=[services], id="asset_check_tick", max_instances=1, coalesce=True,
    )
    for job in (jobs_scorecards.scorecard_tick, jobs_contractors.contractor_tick):
        scheduler.add_job(
            job, "interval", seconds=settings.scorecard_interval_seconds, args=[services],
            id=job.__name__, max_instances=1, coalesce=True,
        )
    guard_jobs(scheduler, lease)  # keep last: wraps every job added above
    return scheduler
