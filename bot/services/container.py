"""The services a handler can use, built once by the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.services.alerts import AlertService
from bot.services.assets import AssetsDigest, AssetService
from bot.services.contractors import ContractorService
from bot.services.digest import DigestService, MoreSources
from bot.services.dorm_requests import DormRequestService, NightDutyService
from bot.services.dorms import DormService
from bot.services.energy import EnergyService, detection_config
from bot.services.inspections import InspectionService
from bot.services.media import MediaService
from bot.services.people import (
    InvitationService,
    PeopleService,
    PlaceService,
    RosterService,
    SelfVerification,
    WebSessionService,
    WebSignInService,
)
from bot.services.repairs import (
    DispatchService,
    DueWork,
    DutyService,
    FollowUpService,
    ManageService,
    MaterialUsageService,
    OfferService,
    RepairService,
    WorkService,
    build_dispatch,
    load_categories,
)
from bot.services.scorecards import ScorecardService
from bot.services.stock import StockService
from bot.services.surveys import SurveyService


@dataclass
class Services:
    """The domain services, one instance each; those that push hold the one notifier."""

    settings: Settings
    notifier: Notifier
    people: PeopleService
    places: PlaceService
    repairs: RepairService
    media: MediaService
    dorms: DormService
    verification: SelfVerification
    alerts: AlertService
    duty: DutyService
    dispatch: DispatchService
    offers: OfferService
    work: WorkService
    followup: FollowUpService
    manage: ManageService
    materials: MaterialUsageService
    due: DueWork
    stock: StockService
    digest: DigestService
    surveys: SurveyService
    dorm_requests: DormRequestService
    dorm_night_duty: NightDutyService
    inspections: InspectionService
    energy: EnergyService
    web_sessions: WebSessionService
    web_sign_in: WebSignInService
    invitations: InvitationService
    scorecards: ScorecardService
    contractors: ContractorService
    assets: AssetService = field(default_factory=AssetService)
    roster: RosterService = field(default_factory=RosterService)

    @classmethod
    def build(cls, settings: Settings, notifier: Notifier) -> Services:
        """Create every service from the settings; the ones that push get `notifier`."""
        people = PeopleService(settings.invite_ttl_hours)
        web_sign_in = WebSignInService(people, settings.invite_ttl_hours)
        repairs = RepairService(settings.timezone, load_categories(settings.categories_file))
        # reader-visible category names come from the categories file, not the catalogues
        notifier.translator.extend(repairs.categories.texts(), area="category")
        dorms = DormService(repairs, settings.timezone, settings.dorm_reminders,
                            notifier=notifier)
        stock = StockService.from_settings(settings, notifier)
        dispatch = build_dispatch(settings, repairs, notifier, stock)
        digest = DigestService(settings.timezone, stock.alerts, dorms,
                               dispatch["followup"].config.low_rating)
        services = cls(
            settings=settings,
            notifier=notifier,
            people=people,
            places=PlaceService(),
            repairs=repairs,
            media=MediaService(settings.media_dir, settings.max_photo_bytes,
                               settings.max_video_bytes),
            dorms=dorms,
            verification=SelfVerification(people, settings.dorm_verify_max_failures,
                                          settings.dorm_verify_window_minutes,
                                          settings.verify_staff),
            alerts=AlertService(settings, people, PlaceService(), dorms,
                                notifier=notifier),
            **dispatch,
            stock=stock,
            digest=digest,
            surveys=SurveyService(settings, PlaceService(), dorms,
                                  notifier=notifier),
            dorm_requests=DormRequestService(dorms, notifier),
            dorm_night_duty=NightDutyService(dorms, notifier),
            inspections=InspectionService(repairs, dispatch["duty"], settings.timezone,
                                          settings.inspection_grace_minutes, notifier=notifier),
            energy=EnergyService(detection_config(settings), settings.timezone,
                                 dispatch["duty"], dispatch["dispatch"], notifier),
            web_sessions=WebSessionService(settings.web_session_days, demo=settings.demo),
            web_sign_in=web_sign_in,
            invitations=InvitationService(people, web_sign_in),
            scorecards=ScorecardService.from_settings(settings, notifier),
            contractors=ContractorService(settings.timezone, settings.contractor_target,
                                          settings.contractor_scoring_days,
                                          settings.scorecard_hour, notifier=notifier),
        )
        digest.more = MoreSources(services.dorm_requests, services.inspections, services.energy,
                                  services.surveys, AssetsDigest(), services.scorecards,
                                  services.contractors)
        return services
