"""REST API of the catalogue: items, departments, regions (read by all, items changed by catalogue admins),
the region guides of an item and the 跨省通办 windows (read-only)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from . import cache as catalogue_cache
from . import selectors, services
from .filters import ItemFilter, RegionFilter
from .models import ServiceItem, ServiceWindow
from .serializers import (
    DepartmentSerializer,
    ItemGuideSerializer,
    ItemSerializer,
    ItemUpdateSerializer,
    RegionDetailSerializer,
    RegionGuideSerializer,
    RegionSerializer,
    ServiceWindowSerializer,
)

BAD_REQUEST = OpenApiResponse(description=_("Invalid filter or input; the body names the fields."))
NOT_FOUND = OpenApiResponse(description=_("No such object, or not visible to the caller."))
NOT_MODIFIED = OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match."))
REGION_PARAMETER = OpenApiParameter(
    "region",
    str,
    description=_("A region code (GB/T 2260, six digits); an unknown code is a 400."),
)


class MayChangeItemsOrReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; a change needs the permission the admin requires (catalogue.change_serviceitem).

    Being staff is not enough: a staff account without permissions could otherwise unpublish an item.
    """


class ConditionalGetMixin:
    """Answers 304 from an ETag made of the catalogue version (catalogue/cache.py): no query, no rendering.

    The version changes with every catalogue write (an item, its materials, a department, a
    synonym, a region guide…), and the ETag also differs by language, path with query, renderer
    and what the caller may see (staff see drafts).
    """

    def _etag(self, request) -> str:
        return catalogue_cache.etag(
            request,
            get_language(),
            catalogue_cache.visibility_class(request.user),
            request.accepted_renderer.format,
        )

    def _conditional(self, request, respond):
        etag = self._etag(request)
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = self._rendered(request, respond)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Cache-Control"] = "no-cache"
        return response

    def _rendered(self, request, respond):
        """For logged-in readers and token clients (anonymous ones are answered by the middleware):
        the JSON kept for their visibility class, else the view's answer, kept once rendered."""
        if not (
            catalogue_cache.enabled()
            and request.user.is_authenticated
            and request.accepted_renderer.format == "json"
        ):
            return respond()
        key = catalogue_cache.rendered_key(
            request, get_language(), catalogue_cache.visibility_class(request.user)
        )
        if key is None:
            return respond()
        kept = catalogue_cache.stored_rendering(key)
        if kept is not None:
            return HttpResponse(kept[1], content_type=kept[0])
        response = respond()
        if response.status_code == 200:
            response.add_post_render_callback(
                lambda rendered: catalogue_cache.store_rendering(
                    key, rendered["Content-Type"], rendered.content
                )
            )
        return response


@extend_schema_view(
    list=extend_schema(
        summary=_("List items"),
        responses={200: ItemSerializer(many=True), 304: NOT_MODIFIED, 400: BAD_REQUEST},
    ),
    retrieve=extend_schema(
        summary=_("An item with its guide and materials"),
        responses={200: ItemGuideSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=_("Change an item's guide, modes or status (catalogue admins)"),
        request=ItemUpdateSerializer,
        responses={
            200: ItemGuideSerializer,
            400: BAD_REQUEST,
            401: OpenApiResponse(description=_("Log in or send a token.")),
            403: OpenApiResponse(description=_("Needs the permission to change items.")),
            404: NOT_FOUND,
        },
    ),
)
class ItemViewSet(
    ConditionalGetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    catalogue_cacheable = True  # anonymous GETs are stored (catalogue/middleware.py)
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    permission_classes = [MayChangeItemsOrReadOnly]
    filterset_class = ItemFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.items_visible_to(self.request.user)

    def get_serializer_class(self):
        return ItemSerializer if self.action == "list" else ItemGuideSerializer

    def get_object(self):
        try:
            return selectors.item_guide_for(self.request.user, self.kwargs["code"])
        except ServiceItem.DoesNotExist:
            from django.http import Http404

            raise Http404 from None

    def list(self, request, *args, **kwargs):
        return self._conditional(request, lambda: super(ItemViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._conditional(request, lambda: super(ItemViewSet, self).retrieve(request, *args, **kwargs))

    @extend_schema(
        summary=_("The region guides (实施清单) of an item"),
        description=_(
            "The guides that provinces and cities publish for the item: their conditions, materials, fees, "
            "promised limit, windows and handling offices (the standard elements are the item's). With "
            "`region`, the one guide that applies there: the region's own, else that of the nearest region "
            "above it (city, then province); an empty list when none does."
        ),
        parameters=[REGION_PARAMETER],
        responses={200: RegionGuideSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="guides", pagination_class=None, filter_backends=[])
    def guides(self, request, *args, **kwargs):
        item = self.get_object()
        region = region_parameter(request)
        guides = selectors.item_guides(item, request.user, region)
        return Response(RegionGuideSerializer(guides, many=True, context={"request": request}).data)

    def partial_update(self, request, *args, **kwargs):
        self.get_object()  # 404 before validating input of an invisible item
        form = ItemUpdateSerializer(data=request.data, partial=True)  # PATCH: only the fields sent
        form.is_valid(raise_exception=True)
        try:
            services.update_item(code=kwargs["code"], data=form.validated_data, actor=request.user)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(ItemGuideSerializer(self.get_object(), context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("List departments with their item counts"),
        responses={200: DepartmentSerializer(many=True), 400: BAD_REQUEST},
    ),
    retrieve=extend_schema(summary=_("A department"), responses={200: DepartmentSerializer, 404: NOT_FOUND}),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    catalogue_cacheable = True  # anonymous GETs are stored (catalogue/middleware.py)
    serializer_class = DepartmentSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.departments_with_item_counts(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("List regions"), responses={200: RegionSerializer(many=True), 400: BAD_REQUEST}
    ),
    retrieve=extend_schema(
        summary=_("A region with its children"), responses={200: RegionDetailSerializer, 404: NOT_FOUND}
    ),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    catalogue_cacheable = True  # anonymous GETs are stored (catalogue/middleware.py)
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"
    filterset_class = RegionFilter
    filter_backends = [DjangoFilterBackend, SearchFilter]
    search_fields = ["name"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.regions_with_children()
        return selectors.regions()

    def get_serializer_class(self):
        return RegionDetailSerializer if self.action == "retrieve" else RegionSerializer


def region_parameter(request, name: str = "region"):
    """The region of ?region=, None when absent; a 400 naming the parameter when it is no region."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return None
    region = selectors.region_named(raw)
    if region is None:
        raise ValidationError({name: [_("No region has the code “%(code)s”.") % {"code": raw[:20]}]})
    return region


@extend_schema_view(
    list=extend_schema(
        summary=_("List the 跨省通办 windows"),
        parameters=[
            OpenApiParameter(
                "region",
                str,
                description=_("Only the windows in this region and the regions under it (six digits)."),
            ),
            OpenApiParameter(
                "item", str, description=_("Only the windows that the item's published region guides name.")
            ),
        ],
        responses={200: ServiceWindowSerializer(many=True), 400: BAD_REQUEST},
    )
)
class ServiceWindowViewSet(viewsets.GenericViewSet):
    catalogue_cacheable = True  # anonymous GETs are stored (catalogue/middleware.py)
    serializer_class = ServiceWindowSerializer
    queryset = ServiceWindow.objects.none()  # for the schema; `list` reads through selectors.windows

    def list(self, request, *args, **kwargs):
        region = region_parameter(request)
        item = None
        if code := request.query_params.get("item", ""):
            item = selectors.items_visible_to(request.user).filter(code=code[:20]).first()
            if item is None:
                raise ValidationError(
                    {"item": [_("No published item has the code “%(code)s”.") % {"code": code[:20]}]}
                )
        page = self.paginate_queryset(selectors.windows(region, item))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
