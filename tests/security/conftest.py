"""Two programmes: "ours" with an applicant's application, attachment, letter and grant, and "theirs"
with a full cast of people who must never see any of it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from applications.models import (
    Application,
    ApplicationCopy,
    ApplicationSnapshot,
    Letter,
    OrganisationJoinRequest,
    OrganisationMembership,
    SupplementRequest,
)
from omstilling import roles
from omstilling.models import BoardMembership, StaffMembership
from projects.models import PayoutAttachment, PersonalDataExport
from tests.factories import (
    ApplicationFactory,
    BoardMembershipFactory,
    CallFactory,
    DecisionFactory,
    FocusAreaFactory,
    GrantFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PayoutFactory,
    ProgrammeFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def person(email, group=None, **extra):
    user = UserFactory(
        email=email, full_name=email.split("@")[0].title(), is_staff=group is not None, **extra
    )
    if group is not None:
        user.groups.add(Group.objects.get(name=group))
    return user


def staff(programme, email, role=StaffMembership.Role.LEADER):
    user = person(email, roles.PROGRAMME_LEADER)
    StaffMembershipFactory(programme=programme, user=user, role=role)
    return user


def board(programme, email, role=BoardMembership.Role.MEMBER):
    user = person(email, roles.OBSERVER if role == BoardMembership.Role.OBSERVER else roles.BOARD_MEMBER)
    BoardMembershipFactory(programme=programme, user=user, role=role)
    return user


@pytest.fixture
def outsiders(db):
    """Everyone of another programme, and an applicant of another organisation, keyed by role."""
    roles.role_groups_sync()
    theirs = ProgrammeFactory(slug="vestre-toten", name="Omstillingsprogrammet i Vestre Toten")
    other_applicant = person("konkurrent@raufoss.no", email_verified_at=timezone.now())
    other_organisation = OrganisationFactory(name="Raufoss Konkurrent AS")
    OrganisationMembershipFactory(organisation=other_organisation, user=other_applicant)
    ApplicationFactory(programme=theirs, organisation=other_organisation, title="Konkurrentens søknad")
    every_permission = person("alt-tilgang@vestre-toten.no", roles.PROGRAMME_LEADER)
    every_permission.user_permissions.set(Permission.objects.all())
    StaffMembershipFactory(programme=theirs, user=every_permission)
    outsiders = {
        "other applicant": other_applicant,
        "other programme's leader": staff(theirs, "leder@vestre-toten.no"),
        "other programme's case handler": staff(
            theirs, "saksbehandler@vestre-toten.no", StaffMembership.Role.CASE_HANDLER
        ),
        "other programme's board member": board(theirs, "styremedlem@vestre-toten.no"),
        "other programme's observer": board(
            theirs, "observator@vestre-toten.no", BoardMembership.Role.OBSERVER
        ),
        # Holds every model permission there is: only the programme scope stands between them and us.
        "other programme's staff with every permission": every_permission,
    }
    return outsiders


@dataclass
class World:
    programme: object
    call: object
    organisation: object
    owner: object
    draft: object
    attachment: object
    decided: object
    letter: object
    grant: object
    payout: object
    payout_attachment: object
    result_report: object
    join_request: object
    supplement: object
    personal_data_export: object
    # People who may see some of it (programme staff and board of our programme).
    leader: object
    board_member: object
    # People who must see none of it.
    outsiders: dict


@pytest.fixture
def world(outsiders):
    programme = ProgrammeFactory(slug="elverumregionen", name="Omstillingsprogrammet for Elverumregionen")
    focus_area = FocusAreaFactory(plan_period__programme=programme, name="Bioøkonomi")
    call = CallFactory(programme=programme, title="Utlysning 2027")
    call.focus_areas.set([focus_area])
    organisation = OrganisationFactory(name="Glommen Skog SA")
    owner = person("kari@glommen-skog.no", email_verified_at=timezone.now())
    OrganisationMembershipFactory(
        organisation=organisation, user=owner, role=OrganisationMembership.Role.ADMIN
    )
    draft = ApplicationFactory(
        programme=programme,
        call=call,
        organisation=organisation,
        focus_area=focus_area,
        created_by=owner,
        title="Hemmelig søknad om bioraffineri",
    )
    attachment = services.attachment_add(
        draft, actor=owner, upload=SimpleUploadedFile("forretningsplan.pdf", PDF), kind="other"
    )
    decided = ApplicationFactory(
        programme=programme,
        call=call,
        organisation=organisation,
        focus_area=focus_area,
        state=Application.State.APPROVED,
        title="Innvilget søknad om skogsvei",
    )
    decision = DecisionFactory(application=decided, amount=Decimal(300000))
    # Its frozen copy, and the applicant's PDF of it, already built.
    snapshot = ApplicationSnapshot.objects.create(
        application=decided, submitted_at=timezone.now(), submitted_by=owner, data={}
    )
    ApplicationCopy.objects.create(
        snapshot=snapshot,
        state=ApplicationCopy.State.DONE,
        file=ContentFile(PDF, name="soknad.pdf"),
        sha256="0" * 64,
        built_at=timezone.now(),
    )
    letter = Letter(kind=Letter.Kind.GRANT_LETTER, decision=decision, sha256="0" * 64)
    letter.file.save("brev.pdf", ContentFile(PDF), save=False)
    letter.save()
    grant = GrantFactory(decision=decision, year=timezone.localdate().year)
    payout = PayoutFactory(grant=grant, requested_by=owner)
    payout_attachment = PayoutAttachment(
        payout=payout,
        original_name="faktura.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
    )
    payout_attachment.file.save("faktura.pdf", ContentFile(PDF), save=False)
    payout_attachment.save()
    result_report = ResultReportFactory(grant=grant, year=grant.year)
    join_request = OrganisationJoinRequest.objects.create(
        organisation=organisation, user=person("ny@glommen-skog.no")
    )

    leader = staff(programme, "leder@elverumregionen.no")
    supplement = SupplementRequest.objects.create(
        application=decided,
        message="Send oss regnskapet for i fjor.",
        reply_deadline=timezone.localdate() + dt.timedelta(days=14),
        requested_by=leader,
    )
    personal_data_export = PersonalDataExport(user=owner, state=PersonalDataExport.State.DONE)
    personal_data_export.file.save("opplysninger.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
    personal_data_export.save()

    return World(
        programme=programme,
        call=call,
        organisation=organisation,
        owner=owner,
        draft=draft,
        attachment=attachment,
        decided=decided,
        letter=letter,
        grant=grant,
        payout=payout,
        payout_attachment=payout_attachment,
        result_report=result_report,
        join_request=join_request,
        supplement=supplement,
        personal_data_export=personal_data_export,
        leader=leader,
        board_member=board(programme, "styremedlem@elverumregionen.no"),
        outsiders=outsiders,
    )
