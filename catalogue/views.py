"""Server-rendered pages of the catalogue: home, item list, item guide (办事指南), the windows."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .cache import cacheable
from .filters import MODE_CHOICES, ItemFilter
from .models import ServiceItem

PAGE_SIZE = 20


@cacheable
def home(request):
    items = selectors.items_visible_to(request.user)
    counts = items.aggregate(
        total=Count("id"),
        batch_1=Count("id", filter=Q(batch=1)),
        batch_2=Count("id", filter=Q(batch=2)),
        batch_3=Count("id", filter=Q(batch=3)),
        person=Count("id", filter=Q(audience__in=["person", "both"])),
        organisation=Count("id", filter=Q(audience__in=["organisation", "both"])),
        online=Count("id", filter=Q(supports_online=True)),
        proxy=Count("id", filter=Q(supports_proxy=True)),
        joint=Count("id", filter=Q(supports_joint=True)),
    )
    departments = [d for d in selectors.departments_with_item_counts(request.user) if d.lead_count]
    return render(
        request,
        "catalogue/home.html",
        {"counts": counts, "departments": departments, "batches": ServiceItem.Batch.choices},
    )


@cacheable
def item_list(request):
    filterset = ItemFilter(
        request.GET or None, queryset=selectors.items_visible_to(request.user), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        page = None
        status = 400
    else:
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        status = 200
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/item_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "mode_choices": MODE_CHOICES},
        status=status,
    )


@cacheable
def item_detail(request, code: str):
    """The national guide, or with ?region= the guide of that region (or of the nearest above it)."""
    try:
        item = selectors.item_guide_for(request.user, code)
    except ServiceItem.DoesNotExist:
        raise Http404 from None
    # An unknown code is said on the page (no message framework: it would set a session cookie).
    choice = selectors.guide_for(item, request.GET.get("region", ""), request.user)
    regions = selectors.regions_with_guides(item, request.user)
    return render(
        request,
        "catalogue/item_detail.html",
        {
            "item": item,
            "choice": choice,
            "guide": choice.guide,
            "shown": selectors.GuideContent.of(item, choice.guide),
            "guide_regions": [(region.code, selectors.region_label(region)) for region in regions],
        },
    )


@cacheable
def window_list(request):
    """The directory of 跨省通办 windows, by province and city; ?region= narrows it to a region."""
    asked = request.GET.get("region", "").strip()[:20]
    region = selectors.region_named(asked) if asked else None
    return render(
        request,
        "catalogue/windows.html",
        {
            "windows": selectors.windows(region),
            "region": region,
            "region_label": selectors.region_label(region) if region else "",
            "unknown_region": asked if asked and region is None else "",
            # Cities and counties indented under their province (an ideographic space per level).
            "regions": [(r.code, "\u3000" * depth + r.name) for r, depth in selectors.window_regions()],
        },
    )
