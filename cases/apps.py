from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extensions)
        from .models import Holiday, HolidayYear

        # The working-day calendar is kept by each process for a minute (calendar.py): a change of a
        # holiday or of a year's completeness is read again here at once.
        for model in (Holiday, HolidayYear):
            post_save.connect(_forget, sender=model, dispatch_uid=f"calendar-{model.__name__}-save")
            post_delete.connect(_forget, sender=model, dispatch_uid=f"calendar-{model.__name__}-delete")


def _forget(sender, **kwargs) -> None:
    from .calendar import forget

    forget()
