"""Writes to the catalogue that staff make through the API (the admin uses Django's own forms)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ServiceItem

MODE_FIELDS = {"online": "supports_online", "proxy": "supports_proxy", "joint": "supports_joint"}
DELIVERY_FIELDS = {"window": "delivery_window", "post": "delivery_post", "online": "delivery_online"}


@transaction.atomic
def update_item(*, code: str, data: dict, actor) -> ServiceItem:
    """Change an item's guide fields, channel, modes or status; validates the whole item before saving.

    Raises ServiceItem.DoesNotExist or ValidationError (field → messages, the API's field names);
    nothing is written then. The change is recorded in the item's history with `actor` as the one
    who made it. Moving an item off the portal (channel office or point_of_service) without
    naming its modes clears them, as an item done elsewhere has none.
    """
    item = ServiceItem.objects.select_for_update().get(code=code)
    data = dict(data)
    if data.get("channel", ServiceItem.Channel.PORTAL) != ServiceItem.Channel.PORTAL:
        data.setdefault("modes", [])
    if "modes" in data:
        chosen = set(data.pop("modes"))
        for mode, field in MODE_FIELDS.items():
            setattr(item, field, mode in chosen)
    if "delivery_options" in data:
        chosen = set(data.pop("delivery_options"))
        for option, field in DELIVERY_FIELDS.items():
            setattr(item, field, option in chosen)
    for field, value in data.items():
        setattr(item, field, value)
    try:
        item.full_clean()
    except ValidationError as error:
        # The model names the first mode box; the API calls the three boxes `modes`.
        messages = error.message_dict
        if "supports_online" in messages:
            messages["modes"] = messages.pop("supports_online")
        raise ValidationError(messages) from None
    item._history_user = actor
    item.save()
    return item
