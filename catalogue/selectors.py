"""Read queries of the catalogue, with their joins, and who may see what."""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from . import search
from .models import (
    Department,
    MaterialRequirement,
    Region,
    RegionGuide,
    RegionMaterial,
    ServiceItem,
    ServiceWindow,
    region_prefix,
)


def can_see_unpublished(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def items_visible_to(user) -> QuerySet[ServiceItem]:
    """Items with the joins every list needs; anonymous users and applicants see published items only."""
    items = ServiceItem.objects.select_related("lead_department").prefetch_related(
        Prefetch("cooperating_departments", queryset=Department.objects.order_by("cooperations__position"))
    )
    if not can_see_unpublished(user):
        items = items.filter(status=ServiceItem.Status.PUBLISHED)
    return items


def item_guide_for(user, code: str) -> ServiceItem:
    """One item with its materials; raises ServiceItem.DoesNotExist when the user may not see it."""
    return (
        items_visible_to(user)
        .prefetch_related(
            Prefetch("materials", queryset=MaterialRequirement.objects.order_by("position", "id"))
        )
        .get(code=code)
    )


def search_items(items: QuerySet[ServiceItem], q: str) -> QuerySet[ServiceItem]:
    """The items that match `q`, best match first (catalogue.search; docs/catalogue.md, "Search").

    Ordered by relevance through `search_rank`; a later `order_by` (the `ordering` filter) replaces
    it. A query without a word (only spaces or punctuation) leaves the items as they are.
    """
    ranked = search.rank(q)
    if ranked is None:
        return items
    if not ranked:
        return items.none()
    positions = [When(pk=pk, then=Value(position)) for position, (pk, _score) in enumerate(ranked)]
    return (
        items.filter(pk__in=[pk for pk, _score in ranked])
        .annotate(search_rank=Case(*positions, output_field=IntegerField()))
        .order_by("search_rank")
    )


def departments_with_item_counts(user) -> QuerySet[Department]:
    """Departments with the number of visible items they lead or cooperate on."""
    visible = Q() if can_see_unpublished(user) else Q(led_items__status=ServiceItem.Status.PUBLISHED)
    visible_coop = (
        Q() if can_see_unpublished(user) else Q(cooperating_items__status=ServiceItem.Status.PUBLISHED)
    )
    return Department.objects.annotate(
        lead_count=Count("led_items", filter=visible, distinct=True),
        cooperating_count=Count("cooperating_items", filter=visible_coop, distinct=True),
    ).order_by("sort_order", "code")


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent", "dataset")


def regions_with_children() -> QuerySet[Region]:
    return regions().prefetch_related(Prefetch("children", queryset=Region.objects.order_by("code")))


# --- Region guides (实施清单) and windows (docs/catalogue.md, "Region guides and windows") -------

REGION_CODE = re.compile(r"[0-9]{6}")


def region_named(code: str) -> Region | None:
    """The region of a GB/T 2260 code with the regions above it loaded; None for anything else."""
    code = unicodedata.normalize("NFKC", code or "").strip()  # full-width digits, as people type them
    if not REGION_CODE.fullmatch(code):
        return None
    return Region.objects.select_related("parent__parent").filter(code=code).first()


def region_chain(region: Region) -> list[Region]:
    """The region and those above it, province first."""
    chain = []
    while region is not None:
        chain.insert(0, region)
        region = region.parent
    return chain


def region_label(region: Region) -> str:
    """The region's name with those above it, as an address writes it: 广东省深圳市南山区."""
    return "".join(r.name for r in region_chain(region))


def guides_visible_to(user) -> QuerySet[RegionGuide]:
    """Published region guides; staff also see drafts and retired ones (the page says so)."""
    guides = RegionGuide.objects.select_related("region__parent__parent")
    if not can_see_unpublished(user):
        guides = guides.filter(status=ServiceItem.Status.PUBLISHED)
    return guides


def _with_guide_details(guides: QuerySet[RegionGuide]) -> QuerySet[RegionGuide]:
    return guides.prefetch_related(
        Prefetch("materials", queryset=RegionMaterial.objects.order_by("position", "id")),
        Prefetch(
            "windows", queryset=ServiceWindow.objects.select_related("region").order_by("region_id", "name")
        ),
    )


@dataclass(frozen=True)
class GuideChoice:
    """The guide a reader asked for with ?region=, and the one shown.

    `asked`: the code as given ("" for the national guide); `region`: that region, None when no
    region was asked for or the code is unknown; `guide`: the region's own guide, else the
    nearest one above it (city, then province), else None (the national guide is shown).
    """

    asked: str = ""
    region: Region | None = None
    guide: RegionGuide | None = None

    @property
    def unknown_region(self) -> bool:
        return bool(self.asked) and self.region is None

    @property
    def inherited(self) -> bool:
        """The region asked for has no guide of its own: the one shown is of a region above it."""
        return self.guide is not None and self.guide.region_id != self.region.code

    @property
    def region_label(self) -> str:
        return region_label(self.region) if self.region else ""

    @property
    def guide_label(self) -> str:
        return region_label(self.guide.region) if self.guide else ""


def guide_for(item: ServiceItem, region_code: str, user=None) -> GuideChoice:
    """The guide of `item` for a reader in `region_code`: the region's own, else the nearest above it."""
    asked = (region_code or "").strip()[:20]
    if not asked:
        return GuideChoice()
    region = region_named(asked)
    if region is None:
        return GuideChoice(asked=asked)
    return GuideChoice(asked=asked, region=region, guide=_nearest_guide(item, region, user))


def _nearest_guide(item: ServiceItem, region: Region, user=None) -> RegionGuide | None:
    """The region's own guide of `item`, else the nearest above it (its parents loaded)."""
    codes = [r.code for r in region_chain(region)]
    found = {
        g.region_id: g
        for g in _with_guide_details(guides_visible_to(user).filter(item=item, region_id__in=codes))
    }
    return next((found[code] for code in reversed(codes) if code in found), None)


def regions_with_guides(item: ServiceItem, user=None) -> list[Region]:
    """The regions that publish a guide for `item`, by code (a province before its cities)."""
    guides = guides_visible_to(user).filter(item=item).order_by("region_id")
    return [guide.region for guide in guides]


def item_guides(item: ServiceItem, user=None, region: Region | None = None) -> list[RegionGuide]:
    """The guides of `item` with their materials and windows; for `region`, the one that applies there."""
    if region is not None:
        chosen = _nearest_guide(item, region, user)
        return [chosen] if chosen else []
    return list(_with_guide_details(guides_visible_to(user).filter(item=item)).order_by("region_id"))


@dataclass(frozen=True)
class GuideContent:
    """What a guide page states where a region guide may differ: the region's text, else the item's."""

    conditions: str
    fees: str
    promised_days: int | None
    on_the_spot: bool
    materials: list = field(default_factory=list)
    materials_from_region: bool = False
    delivery_note: str = ""

    @classmethod
    def of(cls, item: ServiceItem, guide: RegionGuide | None = None) -> "GuideContent":
        national = list(item.materials.all())
        if guide is None:
            return cls(item.conditions, item.fees, item.promised_days, item.on_the_spot, national)
        own = list(guide.materials.all())
        promised = guide.promised_days if guide.promised_days is not None else item.promised_days
        on_the_spot = guide.promised_days == 0 if guide.promised_days is not None else item.on_the_spot
        return cls(
            conditions=guide.conditions or item.conditions,
            fees=guide.fees or item.fees,
            promised_days=promised,
            on_the_spot=on_the_spot,
            materials=own or national,
            materials_from_region=bool(own),
            delivery_note=guide.delivery_note,
        )


def windows(region: Region | None = None, item: ServiceItem | None = None) -> list[ServiceWindow]:
    """The 跨省通办 windows in `region` (and the regions under it), or all; for `item`, those its
    published region guides name. Each carries its region's chain and `items_named`: the published
    items whose published region guides name it, each once, in the list's order."""
    found = ServiceWindow.objects.select_related("region__parent__parent").prefetch_related(
        Prefetch(
            "guides",
            queryset=RegionGuide.objects.filter(
                status=ServiceItem.Status.PUBLISHED, item__status=ServiceItem.Status.PUBLISHED
            )
            .select_related("item")
            .order_by("item__batch", "item__seq", "region_id"),
            to_attr="published_guides",
        )
    )
    if region is not None:
        found = found.filter(region__code__startswith=region_prefix(region))
    if item is not None:
        found = found.filter(guides__item=item, guides__status=ServiceItem.Status.PUBLISHED).distinct()
    result = list(found.order_by("region_id", "name"))
    for window in result:
        window.items_named = list({guide.item.code: guide.item for guide in window.published_guides}.values())
    return result


def window_regions() -> list[tuple[Region, int]]:
    """The regions that have windows and the regions above them, each with its depth (0 = province)."""
    seen: dict[str, tuple[Region, int]] = {}
    for window in ServiceWindow.objects.select_related("region__parent__parent"):
        for depth, region in enumerate(region_chain(window.region)):
            seen.setdefault(region.code, (region, depth))
    return [seen[code] for code in sorted(seen)]
