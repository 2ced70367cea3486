"""Read queries of the catalogue, with their joins, and who may see what."""

import hashlib

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from .models import Department, MaterialRequirement, Region, ServiceItem


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
    """Items whose name or scenario contains every word of `q` (words split on spaces)."""
    for word in q.split():
        items = items.filter(Q(name__icontains=word) | Q(scenario__icontains=word))
    return items


def catalogue_etag(user, variant: str) -> str:
    """A cheap validator for item responses: one aggregate query, no rendering.

    It changes whenever an item, its materials or a department changes (an edit in the admin
    saves the item itself, bumping `updated_at`) and differs by what the caller may see.
    """
    stamp = ServiceItem.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    departments = Department.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    raw = "|".join(
        str(part)
        for part in (
            stamp["n"],
            stamp["latest"],
            departments["n"],
            departments["latest"],
            can_see_unpublished(user),
            variant,
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


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
