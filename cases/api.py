"""REST API of cases: register, list, detail, actions, materials, inbox, tracking, handoffs, dashboard."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from catalogue.filters import StrictBooleanField

from . import dashboard, handoffs, identity, privacy, registration, roles, selectors, services, workflows
from .deadlines import local_date
from .filters import CaseFilter
from .models import Case, Material, Mode, Notification, Office
from .serializers import (
    ActionInputSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseReceiptSerializer,
    CaseSummarySerializer,
    DashboardSerializer,
    HandoffSerializer,
    MaterialUploadSerializer,
    NotificationSerializer,
    OfficeSerializer,
    RevealRecordSerializer,
    TrackSerializer,
)

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
CONFLICT = OpenApiResponse(
    inline_serializer(
        "Conflict",
        {
            "detail": serializers.CharField(),
            "status": serializers.CharField(
                help_text=_("The case's status now, or the leg's for a leg action.")
            ),
            "leg": serializers.IntegerField(allow_null=True, help_text=_("The leg a leg action was for.")),
            "allowed_actions": serializers.ListField(child=serializers.CharField()),
        },
    ),
    description=_("Not possible in the current status, or someone else acted first."),
)
R400 = OpenApiResponse(description=_("Invalid input; the body names each field and what is wrong."))
R401 = OpenApiResponse(ERROR, description=_("Log in or send a token."))
R403 = OpenApiResponse(ERROR, description=_("Your role or office may not do this."))
R404 = OpenApiResponse(ERROR, description=_("No such case, or not visible to you."))


def exception_handler(error, context):
    """Domain errors to HTTP: not visible 404, wrong role 403, wrong status or race 409, bad input 400."""
    if isinstance(error, (Case.DoesNotExist, workflows.UnknownAction, Material.DoesNotExist)):
        error = exceptions.NotFound()
    elif isinstance(error, workflows.NotAllowed):
        error = exceptions.PermissionDenied(str(error))
    elif isinstance(error, DjangoValidationError):
        error = exceptions.ValidationError(getattr(error, "message_dict", None) or {"detail": error.messages})
    elif isinstance(error, (workflows.InvalidTransition, services.Conflict)):
        # Every 409 says what the status is now and what the caller may do now.
        return Response(
            {
                "detail": str(error),
                "status": error.status,
                "leg": error.leg.pk if error.leg else None,
                "allowed_actions": error.allowed,
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(error, context)


class CasePagination(CursorPagination):
    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        # A cursor that is not one of ours is bad input (400, as documented), not a missing page.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            message = _("Use the next or previous link as given.")
            raise exceptions.ValidationError({"cursor": [message]}) from None


def idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 64:
        raise exceptions.ValidationError({"Idempotency-Key": [_("At most 64 characters.")]})
    return key


def expected_version(request) -> int | None:
    raw = request.headers.get("If-Match", "").strip().strip('"')
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise exceptions.ValidationError({"If-Match": [_('Send the case\'s version number, e.g. "3".')]})
    return int(raw)


IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Repeat a request safely: the same key never applies twice."),
)
PREFER = OpenApiParameter(
    "Prefer",
    str,
    OpenApiParameter.HEADER,
    required=False,
    enum=["return=minimal", "return=representation"],
    description=_(
        "return=minimal: the answer is the case's number, status, version and URL only (RFC 7240), "
        "for clients that file or act in bulk; by default the whole case."
    ),
)


CASE_OR_RECEIPT = PolymorphicProxySerializer(
    component_name="CaseOrReceipt",
    serializers=[CaseDetailSerializer, CaseReceiptSerializer],
    resource_type_field_name=None,
)


def prefers_minimal(request) -> bool:
    """`Prefer: return=minimal` among the request's preferences (RFC 7240: comma-separated, `;` params)."""
    # A value may be quoted: return="minimal".
    preferences = request.headers.get("Prefer", "").lower().replace('"', "").split(",")
    return any(part.split(";")[0].strip() == "return=minimal" for part in preferences)


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("The case version you saw; 409 if it changed since."),
)


class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Z\-]+"
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = CasePagination
    filterset_class = CaseFilter
    serializer_class = CaseSummarySerializer

    def get_queryset(self):
        # A valid ?mode=, ?overdue=true or ?due_soon=true narrows visibility on the reach's own indexes
        # (the filter checks and applies each on the cases too).
        params = self.request.query_params
        mode = params.get("mode")
        today = local_date(timezone.now())
        clock = {}
        if _true(params.get("overdue")):
            clock.update(selectors.overdue_on_reach(today))
        if _true(params.get("due_soon")):
            clock.update(selectors.due_soon_on_reach(today))
        return selectors.case_summaries(
            self.request.user, self.actor, mode=mode if mode in Mode.values else None, clock=clock
        )

    @property
    def actor(self):
        if not hasattr(self, "_actor"):
            self._actor = selectors.actor_for(self.request.user)
        return self._actor

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": local_date(timezone.now())}

    def detail_response(self, number: str, status_code=status.HTTP_200_OK, revealed=False) -> Response:
        return self.view_response(selectors.case_view(self.actor, number, revealed=revealed), status_code)

    def view_response(self, view: selectors.CaseView, status_code=status.HTTP_200_OK) -> Response:
        context = {
            **self.get_serializer_context(),
            "reveal": view.revealed,
            "may_reveal": view.may_reveal,
            "case_number": view.case.number,
            "staff_view": view.staff_view,
            "allowed_actions": view.allowed_actions,
        }
        response = Response(CaseDetailSerializer(view.case, context=context).data, status=status_code)
        response["ETag"] = f'"{view.case.version}"'
        return response

    def receipt_response(self, number: str, status_code=status.HTTP_200_OK) -> Response:
        """What `Prefer: return=minimal` asks for: no case detail read or rendered after the write."""
        visible = selectors.cases_visible_to(self.request.user, self.actor)
        found = visible.filter(number=number).values("number", "status", "version").first()
        if found is None:
            raise Http404
        found["url"] = self.request.build_absolute_uri(reverse("case-detail", kwargs={"number": number}))
        response = Response(CaseReceiptSerializer(found).data, status=status_code)
        response["ETag"] = f'"{found["version"]}"'
        response["Location"] = found["url"]
        response["Preference-Applied"] = "return=minimal"
        return response

    @extend_schema(
        summary=_("Cases visible to you"),
        responses={200: CaseSummarySerializer(many=True), 400: R400, 401: R401},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=_("A case with legs, materials, shipments, timeline and what you may do now"),
        responses={200: CaseDetailSerializer, 401: R401, 404: R404},
    )
    def retrieve(self, request, number=None):
        return self.detail_response(number)

    @extend_schema(
        summary=_("Register a case in one call"),
        request=CaseCreateSerializer,
        parameters=[IDEMPOTENCY, PREFER],
        responses={201: CASE_OR_RECEIPT, 200: CASE_OR_RECEIPT, 400: R400, 401: R401},
    )
    def create(self, request, *args, **kwargs):
        form = CaseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = registration.register_case(
            actor=self.actor, data=form.validated_data, idempotency_key=idempotency_key(request)
        )
        code = status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED
        if prefers_minimal(request):
            return self.receipt_response(outcome.case.number, code)
        if outcome.replayed:
            return self.detail_response(outcome.case.number, code)
        # The case as just written, not read back: the filer sees their own new case.
        return self.view_response(selectors.view_of(self.actor, outcome.case), code)

    @extend_schema(
        summary=_("Take an action on a case"),
        request=ActionInputSerializer,
        parameters=[
            IDEMPOTENCY,
            IF_MATCH,
            PREFER,
            OpenApiParameter("action_name", str, OpenApiParameter.PATH, enum=sorted(workflows.ACTION_LABELS)),
        ],
        responses={200: CASE_OR_RECEIPT, 400: R400, 401: R401, 403: R403, 404: R404, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)")
    def perform_action(self, request, number=None, action_name=None):
        form = ActionInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.perform(
            number=number,
            action=action_name,
            actor=self.actor,
            data=form.validated_data,
            idempotency_key=idempotency_key(request),
            expected_version=expected_version(request),
        )
        return self.receipt_response(number) if prefers_minimal(request) else self.detail_response(number)

    @extend_schema(
        summary=_("Upload a material (PDF, JPEG, PNG or OFD)"),
        request={"multipart/form-data": MaterialUploadSerializer},
        parameters=[IDEMPOTENCY],
        responses={200: CaseDetailSerializer, 400: R400, 401: R401, 403: R403, 404: R404, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="materials", parser_classes=[MultiPartParser, FormParser])
    def upload_material(self, request, number=None):
        form = MaterialUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = form.validated_data.get("kind") == Material.Kind.RESULT
        services.perform(
            number=number,
            action="attach_result" if result else "add_material",
            actor=self.actor,
            data=form.validated_data,
            idempotency_key=idempotency_key(request),
        )
        return self.detail_response(number)

    @extend_schema(
        summary=_("Reveal the applicant's personal data in full (查看完整信息; recorded)"),
        description=_(
            "Staff of an office the case reached see personal data masked; this returns the case "
            "unmasked and records who revealed it, from which office, and when."
        ),
        request=None,
        responses={200: CaseDetailSerializer, 401: R401, 403: R403, 404: R404},
    )
    @action(detail=True, methods=["post"], url_path="reveal")
    def reveal(self, request, number=None):
        privacy.reveal_personal_data(actor=self.actor, number=number, what=privacy.APPLICANT)
        return self.detail_response(number, revealed=True)

    @extend_schema(
        summary=_(
            "Download a material's file (the applicant, and staff of an office the case reached; recorded)"
        ),
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 401: R401, 404: R404},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"materials/(?P<material_id>\d+)/file",
        url_name="material-file",
    )
    def material_file(self, request, number=None, material_id=None):
        case = selectors.case_detail(request.user, number, self.actor)
        material = selectors.visible_material(
            case, material_id, staff_view=self.actor.role != roles.APPLICANT
        )
        if material is None:
            raise Http404
        if not selectors.sees_personal_data_unmasked(self.actor, case):
            # A document is personal data: staff may open it, and it is recorded (raises 403 otherwise).
            privacy.reveal_personal_data(actor=self.actor, number=number, what=privacy.material(material))
        return FileResponse(
            material.file.open("rb"),
            content_type=material.content_type,
            as_attachment=True,
            filename=f"{case.number}-{material.pk}.{material.file.name.rsplit('.', 1)[-1]}",
        )


INBOX_LIMIT, INBOX_MAX, INBOX_COUNTED = 20, 50, 1000


class InboxView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("What waits for my office"),
        description=_(
            "Each list's first `limit` rows (default 20, at most 50), and how many each holds (counted "
            "up to 1000). `lists` names the lists whose rows are wanted (comma-separated; default: all "
            "eight); the counts are always of all. The case list's filters page through all of them "
            "(overdue, due_soon, status)."
        ),
        parameters=[
            OpenApiParameter(
                "limit", int, description=_("Rows per list, 1–50 (default 20)."), required=False
            ),
            OpenApiParameter(
                "lists",
                str,
                description=_("Only these lists' rows, e.g. `to_accept,overdue` (default: all)."),
                required=False,
            ),
        ],
        responses={
            200: inline_serializer(
                "Inbox",
                {
                    "office": serializers.CharField(),
                    "counts": serializers.DictField(
                        child=serializers.IntegerField(),
                        help_text=_("Rows in each list, counted up to 1000."),
                    ),
                    "arrivals": serializers.ListField(child=serializers.DictField(), required=False),
                    "to_sign": CaseSummarySerializer(many=True, required=False),
                    "legs_to_sign": serializers.ListField(required=False),
                    "legs_open": serializers.ListField(required=False),
                    "to_accept": CaseSummarySerializer(many=True, required=False),
                    "to_decide": CaseSummarySerializer(many=True, required=False),
                    "due_soon": CaseSummarySerializer(many=True, required=False),
                    "overdue": CaseSummarySerializer(many=True, required=False),
                },
            ),
            400: R400,
            401: R401,
            403: R403,
        },
    )
    def get(self, request):
        actor = selectors.actor_for(request.user)
        if actor.office is None:
            raise exceptions.PermissionDenied(_("The inbox is for staff of an office."))
        raw = request.query_params.get("limit", "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= INBOX_MAX):
            raise exceptions.ValidationError({"limit": [_("A whole number from 1 to 50.")]})
        limit = int(raw) if raw else INBOX_LIMIT
        wanted = _inbox_lists(request.query_params.get("lists"), selectors.INBOX_LISTS)
        today = local_date(timezone.now())  # one day for the lists and the summaries' overdue flags
        box, counts = selectors.inbox_with_counts(
            actor, limit, wanted=wanted, counted=INBOX_COUNTED, today=today
        )
        context = {"today": today}
        # A case on two lists (to decide and overdue) is one row (inbox_with_counts): summarised once.
        cases_listed = [rows for name, rows in box.items() if selectors.INBOX_LISTS[name] is Case]
        distinct = {case.pk: case for rows in cases_listed for case in rows}
        summaries = CaseSummarySerializer(list(distinct.values()), many=True, context=context).data
        summary = dict(zip(distinct, summaries, strict=True))

        def cases(rows):
            return [summary[case.pk] for case in rows]

        def legs(rows):
            return [
                {
                    "case": leg["case__number"],
                    "item": leg["case__item__name"],
                    "leg": leg["pk"],
                    "status": leg["status"],
                    "sign_due": leg["sign_due"],
                    "receiving_office": leg["case__receiving_office__name"],
                }
                for leg in rows
            ]

        def arrivals(rows):
            return [
                {
                    "case": entry["case__number"],
                    "item": entry["case__item__name"],
                    "kind": entry["kind"],
                    "leg": entry["leg"],
                    # None: the applicant filed or resubmitted online.
                    "from_office": entry["message__from_office__name"],
                    "arrived_at": entry["created_at"],
                }
                for entry in rows
            ]

        shown = {"arrivals": arrivals, "legs_to_sign": legs, "legs_open": legs}
        answer = {"office": actor.office.code, "counts": counts}
        answer.update({name: shown.get(name, cases)(rows) for name, rows in box.items()})
        return Response(answer)


def _true(raw: str | None) -> bool:
    """A query parameter the filters read as true (anything invalid is their 400, not this)."""
    try:
        return StrictBooleanField().to_python(raw) is True
    except DjangoValidationError:
        return False


def _inbox_lists(raw: str | None, lists: dict) -> list[str]:
    """The lists named in `?lists=` (commas, full-width ones too, and spaces allowed), in the inbox's
    order; all of them when the parameter is absent. An unknown or empty name is a 400 naming them."""
    if raw is None:
        return list(lists)
    names = {name.strip() for name in raw.replace("，", ",").split(",")} - {""}
    if not names or not names <= set(lists):
        raise exceptions.ValidationError(
            {"lists": [_("Name one or more of: %(names)s.") % {"names": ", ".join(lists)}]}
        )
    return [name for name in lists if name in names]


class DashboardView(APIView):
    """The supervisor's dashboard as JSON: the figures of the /supervisor/ page (cases/dashboard.py)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Dashboard of a region (supervisors: their province; admins: all)"),
        responses={200: DashboardSerializer, 401: R401, 403: R403},
    )
    def get(self, request):
        actor = selectors.actor_for(request.user)
        if not dashboard.may_see_dashboard(actor):
            raise exceptions.PermissionDenied(_("The dashboard is for supervisors and admins."))
        return Response(DashboardSerializer(dashboard.figures(actor)).data)


class TrackView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "track"

    @extend_schema(
        summary=_("Public progress lookup: case number and the last 4 characters of the applicant's ID"),
        parameters=[
            OpenApiParameter("number", str, required=True),
            OpenApiParameter("id_tail", str, required=True),
        ],
        responses={
            200: TrackSerializer,
            400: R400,
            404: R404,
            429: OpenApiResponse(ERROR, description=_("Too many lookups; wait a minute.")),
        },
    )
    def get(self, request):
        # As people type them: full-width characters folded, spaces dropped (the number keeps its dashes).
        number = identity.normalise_case_number(request.query_params.get("number", ""))
        tail = identity.normalise(request.query_params.get("id_tail", ""))
        errors = {}
        if not number or len(number) > 32:
            errors["number"] = [_("Enter the case number printed on your receipt.")]
        if len(tail) != 4:
            errors["id_tail"] = [_("Enter the last 4 characters of the applicant's ID number.")]
        if errors:
            raise exceptions.ValidationError(errors)
        return Response(TrackSerializer(selectors.track(number, tail)).data)


class HandoffViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Messages between regions, for supervisors (their province) and admins (all)."""

    serializer_class = HandoffSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        messages = selectors.handoffs_visible_to(selectors.actor_for(self.request.user))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in {choice for choice, _label in messages.model.Status.choices}:
                raise exceptions.ValidationError({"status": [_("Use pending, sent, delivered or failed.")]})
            messages = messages.filter(status=wanted)
        return messages

    @extend_schema(
        summary=_("Handoff messages (supervisors: their province; admins: all)"),
        parameters=[OpenApiParameter("status", str, enum=["pending", "sent", "delivered", "failed"])],
        responses={200: HandoffSerializer(many=True), 400: R400, 401: R401},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=_("Resend a failed handoff"),
        request=None,
        responses={200: HandoffSerializer, 401: R401, 404: R404, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        message = self.get_queryset().filter(pk=pk).first() if _is_uuid(pk) else None
        if message is None:
            raise Http404
        try:
            message = handoffs.resend(message.pk, actor=request.user)
        except ValueError as error:
            # The same shape as every 409: here the status is the message's, and only failed ones resend.
            body = {"detail": str(error), "status": message.status, "leg": None, "allowed_actions": []}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(HandoffSerializer(message).data)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class OfficeViewSet(viewsets.ReadOnlyModelViewSet):
    """Offices (public): pick the handling office where the records are, or a window near you."""

    serializer_class = OfficeSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    queryset = Office.objects.select_related("region", "department").order_by("region_id", "code")
    filterset_fields = ["kind", "region"]

    @extend_schema(summary=_("Offices"), responses={200: OfficeSerializer(many=True), 400: R400})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary=_("An office"), responses={200: OfficeSerializer, 404: R404})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class RevealRecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who revealed personal data in full, and when (supervisors: their province's staff; admins: all)."""

    serializer_class = RevealRecordSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.reveal_records_visible_to(selectors.actor_for(self.request.user))

    @extend_schema(
        summary=_("Reveals of personal data (audit)"),
        responses={200: RevealRecordSerializer(many=True), 400: R400, 401: R401},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Notification.objects.filter(user_id=self.request.user.pk).select_related("case")

    @extend_schema(
        summary=_("My notifications"), responses={200: NotificationSerializer(many=True), 401: R401}
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
