"""Small builders for test data."""

from catalogue.models import ServiceItem


def set_status(code: str, status: str) -> ServiceItem:
    item = ServiceItem.objects.get(code=code)
    item.status = status
    item.save()
    return item
